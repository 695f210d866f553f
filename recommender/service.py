"""The ``Recommender`` service: personalised, explained recommendations over the item index.

How the signals combine (for each candidate item ``i``):

    score(i) = cos(shopper, i)                       the two-tower score; the shopper tower reads
                                                     the session's history and what they ask now
             + LINK_WEIGHT[kind]  if a history item links to ``i`` (merchandiser cross-sell,
                                  related or up-sell links: the store's co-purchase signal)
             + POPULARITY_WEIGHT · popularity(i)     log-scaled review count (or interaction
                                                     count), normalised to [0, 1]

Every indexed item that satisfies the search filters exactly is scored while the catalog is
small (up to ``AISLE_RECOMMENDER_EXACT_MAX`` items, see ``ItemIndex``). Above that the candidates
are the ``POOL`` items nearest to the shopper in Chroma's HNSW index under the filters' ``where``,
plus the items linked from the history and the history items a repeat gate may bring back (or,
with no shopper vector, the most popular items that pass the filters); the filters are then
checked exactly on those candidates only, and they are scored and explained as above.
Items in the cart are never recommended. Given a repeat/new gate (``recommender.calibration``;
the factory passes the model's gate to a store whose interaction log it was fitted on), an item
the shopper only looked at gets its two-tower score re-scored by it, as ``recommender.evaluate``
scores it, so it comes back only when the gate rates it above the new items; without a gate
(a store with no interaction log, such as Luma) history items are never recommended again. ``similar`` and ``goes_with`` never return the product they start from. With no history
and no request, the ranking is popularity alone (cold start). The reason shown on a card names the
signal that contributed most (see ``recommender.reasons``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from catalog.domain import Product, ProductLink
from catalog.filters import ProductFilters
from recommender.calibration import RepeatGate, history_features
from recommender.encoding import autocast
from recommender.index import ItemIndex
from recommender.items import InMemoryItems, ItemSource
from recommender.reasons import Signals, build_reason

LINK_WEIGHT = {"crosssell": 0.12, "related": 0.10, "upsell": 0.06}
POPULARITY_WEIGHT = 0.03
POOL = 100
"""Candidates asked of the ANN index above ``exact_max`` items (at least 5 × k). The other
signals add at most 0.15 to a cosine, so an item outside the pool wins only when its cosine is
within that of the pool's last; scripts/bench_recommender_scale.py measures the agreement."""
FILTERED_POOL = 300
"""With filters, the unfiltered ANN's first ``FILTERED_POOL`` are checked first: at 100k items
Chroma's ``where`` costs 70-230 ms a query (it lists the matching ids from its metadata first),
an unfiltered query of this size about 2 ms. Only when fewer than k of them pass is ``where``
asked (a selective filter)."""
POPULARITY_WALK = 2_000
"""Cold start above ``exact_max``: products checked in popularity order before the filters are
asked of Chroma's metadata index instead (a filter that rejects the popular items is selective)."""
WHERE_LIMIT = 5_000


@dataclass(frozen=True)
class ShopperContext:
    """What the session knows about the shopper.

    ``history``: product ids viewed, asked about or carted, oldest first; ``carted``: the subset
    now in the cart; ``query``: what they are asking for now (may be empty).
    """

    history: tuple[str, ...] = ()
    carted: tuple[str, ...] = ()
    query: str = ""


@dataclass(frozen=True)
class Recommendation:
    """One recommended product, its combined score, its reason and the signals behind it."""

    product: Product
    score: float
    reason: str
    signals: Signals = field(default_factory=Signals)


class Recommender:
    """Recommend, find similar items, and explain — over one catalog's item index.

    ``products``, ``links`` and ``popularity`` (raw, by id) are held in memory
    (:class:`recommender.items.InMemoryItems`); :meth:`over` takes any
    :class:`recommender.items.ItemSource` instead, such as the SQL catalog read per request.
    """

    def __init__(self, index: ItemIndex, products: Mapping[str, Product],
                 links: Mapping[str, Sequence[ProductLink]],
                 popularity: Mapping[str, float] | None = None,
                 repeat_gate: RepeatGate | None = None) -> None:
        self.index = index
        self.embedder = index.embedder
        self.repeat_gate = repeat_gate
        self.refresh(products, links, popularity)

    @classmethod
    def over(cls, index: ItemIndex, items: ItemSource,
             repeat_gate: RepeatGate | None = None) -> Recommender:
        """A recommender reading the catalog through ``items`` (nothing per product held)."""
        recommender = cls.__new__(cls)
        recommender.index = index
        recommender.embedder = index.embedder
        recommender.repeat_gate = repeat_gate
        recommender.use(items)
        return recommender

    def refresh(self, products: Mapping[str, Product], links: Mapping[str, Sequence[ProductLink]],
                popularity: Mapping[str, float] | None = None) -> None:
        """Take a new catalog snapshot (after an import and an index sync)."""
        self.use(InMemoryItems(products, links, popularity))

    def use(self, items: ItemSource) -> None:
        """Read the catalog through ``items`` from now on."""
        self.items = items
        self.products = items.products
        self.check = items.check
        self._masks: dict[ProductFilters, np.ndarray] = {}
        self._popularity_vector: np.ndarray | None = None  # exact mode, on first use

    def _popularity_rows(self) -> np.ndarray:
        """``POPULARITY_WEIGHT`` × popularity over the index rows (exact mode: ≤ exact_max)."""
        if self._popularity_vector is None:
            found = self.items.popularity(self.index.ids)
            self._popularity_vector = np.array(
                [POPULARITY_WEIGHT * found.get(pid, 0.0) for pid in self.index.ids],
                dtype=np.float32)
        return self._popularity_vector

    # -- the shopper vector ---------------------------------------------------------------
    def shopper_vector(self, context: ShopperContext,
                       vectors: Mapping[str, np.ndarray] | None = None) -> np.ndarray | None:
        """The shopper tower over the context → ``(dim,)``, or None with nothing to go on.

        ``vectors``: the history's item vectors when the caller has read them already.
        """
        ids = self._history(context)
        found = vectors if vectors is not None else self.index.vectors(ids)
        history = [found[pid] for pid in ids if pid in found]
        query = context.query.strip()
        if not history and not query:
            return None
        model = self.embedder.loaded.model
        device = self.embedder.device
        dim = model.config.dim
        items = torch.tensor(np.stack(history[-model.config.max_history:]) if history
                             else np.zeros((1, dim), dtype=np.float32), device=device)[None]
        mask = torch.ones(items.shape[:2], dtype=torch.bool, device=device)
        if not history:
            mask[:] = False
        q = (torch.tensor(self.embedder.embed_query(query), device=device)[None]
             if query else None)
        with torch.no_grad(), autocast(device):
            vector = model.encode_shopper(items, mask, q)
        return vector[0].float().cpu().numpy()

    def _history(self, context: ShopperContext) -> list[str]:
        return list(dict.fromkeys([*context.history, *context.carted]))

    # -- public API -----------------------------------------------------------------------
    def recommend(self, context: ShopperContext, k: int = 5,
                  filters: ProductFilters | None = None) -> list[Recommendation]:
        """The ``k`` best products for this shopper under ``filters``, each with its reason."""
        if k <= 0:
            raise ValueError("k must be positive")
        return self._rank(context, k, filters, exclude=frozenset(context.carted))

    def _rank(self, context: ShopperContext, k: int, filters: ProductFilters | None,
              exclude: frozenset[str]) -> list[Recommendation]:
        """``recommend`` with the products in ``exclude`` never returned."""
        filters = filters or ProductFilters()
        for name in self.check.unsupported(filters):
            filters = filters.without(name)
        if not self.index.exact:
            return self._rank_nearest(context, k, filters, exclude)
        history = self._history(context)
        shopper = self.shopper_vector(context)
        tower = (self.index.scores(shopper) if shopper is not None
                 else np.zeros(len(self.index), dtype=np.float32))
        gate = self.repeat_gate
        seen = history_features(list(context.history)) if gate is not None else {}
        for pid, (since, count) in seen.items():
            row = self.index.row.get(pid)
            if row is not None:
                tower[row] = gate.adjusted(float(tower[row]), since, count)
        total = tower + self._popularity_rows()
        linked = self._linked(history)
        for pid, (kind, _) in linked.items():
            row = self.index.row.get(pid)
            if row is not None:
                total[row] += LINK_WEIGHT.get(kind, 0.0)
        allowed = self._allowed(filters).copy()
        for pid in history:
            row = self.index.row.get(pid)
            if row is not None and (pid in exclude or pid not in seen):
                allowed[row] = False
        total[~allowed] = -np.inf
        count = min(k, int(allowed.sum()))
        if count == 0:
            return []
        top = np.argpartition(-total, count - 1)[:count]
        top = top[np.argsort(-total[top], kind="stable")]
        ids = [self.index.ids[row] for row in top]
        loaded = self.items.load([*ids, *history])  # the results and the names their reasons give
        popularity = self.items.popularity(ids)
        found = []
        for row, pid in zip(top, ids, strict=True):
            product = loaded.get(pid)
            if product is None:  # removed from the catalog since the mask was made
                continue
            signals = self._signals(pid, float(tower[row]), context, history, linked,
                                    popularity, seen_before=pid in seen)
            found.append(Recommendation(product, float(total[row]),
                                        build_reason(product, signals, filters, loaded),
                                        signals))
        return found

    def _rank_nearest(self, context: ShopperContext, k: int, filters: ProductFilters,
                      exclude: frozenset[str]) -> list[Recommendation]:
        """``_rank`` above ``exact_max``: the same scores over the ANN's candidates only."""
        history = self._history(context)
        gate = self.repeat_gate
        seen = history_features(list(context.history)) if gate is not None else {}
        linked = self._linked(history)
        vectors = self.index.vectors([*history, *linked])  # one read for all of them
        shopper = self.shopper_vector(context, vectors)
        allowed = _Verdicts(self.items, filters, refused=lambda pid: pid in history and (
            pid in exclude or pid not in seen))
        if shopper is not None:
            tower = self._candidates(shopper, k, filters, allowed)
        else:
            tower = {pid: 0.0 for pid in self._most_popular(k, filters, allowed)}
        for pid in (*linked, *seen):
            if pid not in tower and pid in vectors:
                tower[pid] = float(vectors[pid] @ shopper) if shopper is not None else 0.0
        for pid, (since, count) in seen.items():
            if pid in tower:
                tower[pid] = gate.adjusted(tower[pid], since, count)
        allowed.check(list(tower))
        kept = [pid for pid in tower if allowed(pid)]
        popularity = self.items.popularity(kept)
        total = {pid: tower[pid] + POPULARITY_WEIGHT * popularity.get(pid, 0.0)
                 + (LINK_WEIGHT.get(linked[pid][0], 0.0) if pid in linked else 0.0)
                 for pid in kept}
        top = sorted(total, key=lambda pid: -total[pid])[:k]
        vectors.update(self.index.vectors([pid for pid in top if pid not in vectors]))
        loaded = self.items.load([*top, *history])
        found = []
        for pid in top:
            product = loaded.get(pid)
            if product is None:
                continue
            signals = self._signals(pid, tower[pid], context, history, linked, popularity,
                                    seen_before=pid in seen, vectors=vectors)
            found.append(Recommendation(product, total[pid],
                                        build_reason(product, signals, filters, loaded),
                                        signals))
        return found

    def _candidates(self, shopper: np.ndarray, k: int, filters: ProductFilters,
                    allowed: _Verdicts) -> dict[str, float]:
        """``{id: cosine}`` of the ANN's candidates for ``shopper`` under ``filters``."""
        where = self.check.where(filters)
        if where is None:
            return dict(self.index.nearest(shopper, max(POOL, 5 * k)))
        found = self.index.nearest(shopper, max(FILTERED_POOL, 5 * k))
        allowed.check([pid for pid, _ in found])
        if sum(1 for pid, _ in found if allowed(pid)) >= k:
            return dict(found)
        return dict(self.index.nearest(shopper, max(POOL, 5 * k), where))

    def _most_popular(self, k: int, filters: ProductFilters, allowed: _Verdicts) -> list[str]:
        """The ``k`` most popular allowed products, without a pass over the catalog: popularity
        order for up to ``POPULARITY_WALK`` products, then Chroma's metadata index."""
        ranked = self.items.by_popularity(POPULARITY_WALK + 1)
        found = []
        for pid in allowed.walk(ranked[:POPULARITY_WALK]):
            found.append(pid)
            if len(found) == k:
                return found
        where = self.check.where(filters)
        if where is None or len(ranked) <= POPULARITY_WALK:
            return found
        matching = self.index.collection.get(where=where, limit=WHERE_LIMIT, include=[])["ids"]
        allowed.check(matching)
        kept = [pid for pid in matching if allowed(pid)]
        popularity = self.items.popularity(kept)
        return sorted(kept, key=lambda pid: -popularity.get(pid, 0.0))[:k]

    def _allowed(self, filters: ProductFilters) -> np.ndarray:
        """Bool mask over the index rows: products that exist and satisfy ``filters`` exactly."""
        mask = self._masks.get(filters)
        if mask is None:
            ok = self.items.allowed(filters, self.index.ids)
            mask = np.array([pid in ok for pid in self.index.ids], dtype=bool)
            if len(self._masks) > 256:
                self._masks.clear()
            self._masks[filters] = mask
        return mask

    def similar(self, product_id: str, k: int = 5,
                filters: ProductFilters | None = None) -> list[Recommendation]:
        """Products like ``product_id`` (it stands in for the shopper's history)."""
        if product_id not in self.products:
            raise KeyError(product_id)
        return self._rank(ShopperContext(history=(product_id,)), k, filters,
                          exclude=frozenset({product_id}))

    def goes_with(self, product_id: str, k: int = 5) -> list[Recommendation]:
        """What to pair with ``product_id``: its merchandiser links first, then other kinds of item
        that shoppers of it are recommended (a different product type than its own)."""
        if product_id not in self.products:
            raise KeyError(product_id)
        own_type = self.products[product_id].product_type
        found = self._rank(ShopperContext(history=(product_id,)), max(4 * k, 20), None,
                           exclude=frozenset({product_id}))
        linked = [r for r in found if r.signals.link_kind]
        others = [r for r in found if not r.signals.link_kind
                  and r.product.product_type != own_type]
        return (linked + others)[:k]

    def explain(self, product: Product, context: ShopperContext,
                filters: ProductFilters | None = None) -> str:
        """Why ``product`` suits this shopper, from the same signals that rank it."""
        history = self._history(context)
        shopper = self.shopper_vector(context)
        vector = self.index.vector(product.id)
        cosine = float(vector @ shopper) if shopper is not None and vector is not None else 0.0
        signals = self._signals(product.id, cosine, context, history, self._linked(history),
                                self.items.popularity([product.id]))
        return build_reason(product, signals, filters or ProductFilters(),
                            self.items.load(history))

    def propensity(self, context: ShopperContext, product_ids: Sequence[str]) -> dict[str, float]:
        """P(the shopper's next interaction is this product), for products shown to them.

        The propensity head (fitted on held-out Amazon data, see ``recommender.propensity``)
        reads the two-tower cosine, the product's rank among this shopper's top candidates, its
        popularity and the history length. On a store without an interaction log (Luma), the
        popularity input is the review count, so the values are indicative, not calibrated.
        """
        shopper = self.shopper_vector(context)
        if shopper is None or not product_ids:
            return {pid: 0.0 for pid in product_ids}
        if self.index.exact:
            scores = self.index.scores(shopper)
            order = np.argsort(-scores, kind="stable")
            position = {self.index.ids[row]: rank for rank, row in enumerate(order)}
            unranked = len(order)
        else:  # rank among the ANN's candidates; one beyond them counts as the pool's size
            pool = self.index.nearest(shopper, max(POOL, len(product_ids)))
            position = {pid: rank for rank, (pid, _) in enumerate(pool)}
            unranked = len(pool)
        stored = self.index.vectors(product_ids)
        known = [(pid, stored[pid]) for pid in product_ids if pid in stored]
        if not known:
            return {pid: 0.0 for pid in product_ids}
        head = self.embedder.loaded.propensity
        raw = self.items.raw_popularity([pid for pid, _ in known])
        features = head.features(
            torch.tensor([float(v @ shopper) for _, v in known]),
            torch.tensor([position.get(pid, unranked) for pid, _ in known]),
            torch.tensor([math.log1p(raw.get(pid, 0.0)) for pid, _ in known]),
            torch.full((len(known),), float(len(self._history(context)))),
        )
        with torch.no_grad():
            probs = head.cpu()(features).tolist()
        found = dict(zip([pid for pid, _ in known], probs, strict=True))
        return {pid: float(found.get(pid, 0.0)) for pid in product_ids}

    # -- signals --------------------------------------------------------------------------
    def _linked(self, history: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Items linked from the history: ``{linked_id: (kind, from_product_id)}``, strongest kind."""
        found: dict[str, tuple[str, str]] = {}
        links = self.items.links(history)  # one read for the whole history
        for source in reversed(history):  # the most recent item wins a tie
            for link in links.get(source, []):
                old = found.get(link.linked_id)
                if old is None or LINK_WEIGHT.get(link.kind, 0) > LINK_WEIGHT.get(old[0], 0):
                    found[link.linked_id] = (link.kind, source)
        return found

    def _signals(self, pid: str, cosine: float, context: ShopperContext, history: Sequence[str],
                 linked: Mapping[str, tuple[str, str]], popularity: Mapping[str, float],
                 seen_before: bool = False,
                 vectors: Mapping[str, np.ndarray] | None = None) -> Signals:
        """The signals behind ``pid``'s score; ``popularity`` holds ``pid``'s (normalised);
        ``vectors`` those of ``pid`` and the history when the caller has them (above
        ``exact_max`` they come from Chroma, not memory)."""
        def vector_of(item: str) -> np.ndarray | None:
            return vectors.get(item) if vectors is not None else self.index.vector(item)

        vector = vector_of(pid)
        nearest, nearest_sim = None, 0.0
        if vector is not None:
            for source in (h for h in history if h != pid):
                other = vector_of(source)
                if other is not None and float(vector @ other) > nearest_sim:
                    nearest, nearest_sim = source, float(vector @ other)
        query_sim = 0.0
        if context.query.strip() and vector is not None:
            query_sim = float(vector @ self.embedder.embed_query(context.query))
        kind, source = linked.get(pid, (None, None))
        return Signals(
            tower=cosine,
            link=LINK_WEIGHT.get(kind, 0.0) if kind else 0.0,
            link_kind=kind, link_source=source,
            popularity=POPULARITY_WEIGHT * popularity.get(pid, 0.0),
            nearest=nearest, nearest_similarity=nearest_sim,
            query=context.query.strip(), query_similarity=query_sim,
            in_cart=source in context.carted if source else False,
            seen_before=seen_before,
        )


class _Verdicts:
    """Which candidates one request may return: they exist, pass the filters exactly and are
    not ``refused``; checked a batch at a time (:meth:`check`, :meth:`walk`) and remembered."""

    def __init__(self, items: ItemSource, filters: ProductFilters,
                 refused: Callable[[str], bool]) -> None:
        self._items = items
        self._filters = filters
        self._refused = refused
        self._known: dict[str, bool] = {}

    def check(self, ids: Sequence[str]) -> None:
        """Decide every one of ``ids`` not decided yet, in one read."""
        unknown = [pid for pid in dict.fromkeys(ids) if pid not in self._known]
        if not unknown:
            return
        wanted = [pid for pid in unknown if not self._refused(pid)]
        ok = self._items.allowed(self._filters, wanted) if wanted else set()
        self._known.update((pid, pid in ok) for pid in unknown)

    def walk(self, ids: Sequence[str]) -> Iterator[str]:
        """The allowed ``ids`` in order, checked lazily (the caller stops when it has enough)."""
        for pid in self._items.walk_allowed(self._filters,
                                            [pid for pid in ids if not self._refused(pid)]):
            self._known[pid] = True
            yield pid

    def __call__(self, pid: str) -> bool:
        if pid not in self._known:
            self.check([pid])
        return self._known[pid]
