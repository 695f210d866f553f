// Bundle the widget and the console (scripts + styles) into dist/ with esbuild: no CDN.
import { build } from "esbuild";

await build({
  entryPoints: { widget: "src/widget.js", console: "src/console.js", widget_style: "src/widget.css", console_style: "src/console.css" },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "iife",
  target: ["es2020"],
  outdir: "dist",
  logLevel: "warning",
});
console.log("built web/frontend/dist");
