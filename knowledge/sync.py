"""Bring a Chroma collection in line with a stream of documents, embedding only what changed.

Two passes over the documents, both streamed (memory: the ids, never all texts at once):

1. *plan*: each chunk of documents is compared with what the collection holds for those ids
   (``text_hash``, ``meta_hash`` and ``embedded_by`` in each record's metadata); metadata-only
   changes are written at once; ids whose text changed, or whose vector another model made,
   are remembered; afterwards records no document names any more are deleted.
2. *embed*: the documents are streamed again and the remembered ones embedded and upserted
   a chunk at a time, with a progress bar (documents/s and ETA on stderr).

Each upsert is its own commit, so a killed ingest keeps what it wrote and a rerun embeds only
what is still missing. The collection's ``embedding_model`` metadata names the new model only
once every record carries its vectors; records older than ``embedded_by`` count as made by
the model the collection names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from knowledge.embedding import Embedder
from knowledge.passages import content_hash

#: Documents compared, or embedded and upserted, per Chroma call: a kill loses at most one chunk.
CHUNK = 512
#: Ids read per page when looking for records to delete.
PAGE = 5000

#: (id, text, metadata) of one document.
Doc = tuple[str, str, dict[str, Any]]


@dataclass
class CollectionReport:
    """What ingest did to one collection."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    embedded: int = 0

    def line(self, name: str) -> str:
        return (f"{name}: {self.added} added, {self.updated} updated, {self.unchanged} "
                f"unchanged, {self.deleted} deleted ({self.embedded} embedded)")


def sync_collection(collection: Any, docs: Mapping[str, tuple[str, dict[str, Any]]] | None,
                    embedder: Embedder, progress: bool = True, *,
                    stream: Callable[[], Iterable[Doc]] | None = None,
                    chunk: int = CHUNK) -> CollectionReport:
    """Make ``collection`` hold exactly the given documents, embedding only changed texts.

    Give either ``docs`` (id -> (text, metadata)) or ``stream``, a function returning a fresh
    iterable of ``(id, text, metadata)`` each time it is called (it is called twice).
    ``chunk``: documents per Chroma write (and per commit).
    """
    if stream is None:
        if docs is None:
            raise ValueError("give docs or stream")
        fixed = docs
        stream = lambda: ((i, text, meta) for i, (text, meta) in fixed.items())  # noqa: E731
    sync = CollectionSync(collection, embedder, chunk=chunk)
    sync.plan(stream())
    sync.embed(stream(), progress=progress)
    return sync.report


class CollectionSync:
    """One collection's sync: :meth:`plan`, then :meth:`embed` (see the module docstring)."""

    def __init__(self, collection: Any, embedder: Embedder, *, chunk: int = CHUNK) -> None:
        if chunk < 1:
            raise ValueError(f"chunk must be at least 1, not {chunk}")
        self.collection = collection
        self.chunk = chunk
        self.embedder = embedder
        self.report = CollectionReport()
        self.to_embed: set[str] = set()
        # Records written before ``embedded_by`` existed carry the collection's model.
        self._built_by = (collection.metadata or {}).get("embedding_model")

    def plan(self, docs: Iterable[Doc]) -> None:
        """Compare ``docs`` with the collection; write metadata-only changes and deletions."""
        seen: set[str] = set()
        for chunk in _chunks(_unique(docs, seen), self.chunk):
            self._plan_chunk(chunk)
        stale = [i for i in self._stored_ids() if i not in seen]
        for start in range(0, len(stale), self.chunk):
            self.collection.delete(ids=stale[start:start + self.chunk])
        self.report.deleted = len(stale)

    def _plan_chunk(self, chunk: list[Doc]) -> None:
        ids = [doc_id for doc_id, _, _ in chunk]
        found = self.collection.get(ids=ids, include=["metadatas"])
        stored = {i: m or {} for i, m in zip(found["ids"], found["metadatas"], strict=True)}
        touch_ids: list[str] = []
        touch_metas: list[dict[str, Any]] = []
        for doc_id, text, meta in chunk:
            meta = _hashed(text, meta)
            old = stored.get(doc_id)
            if old is None:
                self.report.added += 1
                self.to_embed.add(doc_id)
            elif (old.get("text_hash") != meta["text_hash"]
                  or old.get("embedded_by", self._built_by) != self.embedder.model_name):
                self.report.updated += 1
                self.to_embed.add(doc_id)
            elif old.get("meta_hash") != meta["meta_hash"]:
                self.report.updated += 1
                touch_ids.append(doc_id)
                touch_metas.append({**meta, "embedded_by": self.embedder.model_name})
            else:
                self.report.unchanged += 1
        if touch_ids:
            self.collection.update(ids=touch_ids, metadatas=touch_metas)

    def _stored_ids(self) -> Iterator[str]:
        ids: list[str] = []
        offset = 0
        while True:  # paged: collected first, since deleting while paging would shift pages
            page = self.collection.get(include=[], limit=PAGE, offset=offset)["ids"]
            ids.extend(page)
            offset += len(page)
            if len(page) < PAGE:
                return iter(ids)

    def embed(self, docs: Iterable[Doc], *, progress: bool = True) -> None:
        """Embed and upsert the documents :meth:`plan` found changed, a chunk at a time."""
        from tqdm import tqdm

        wanted = (doc for doc in _unique(docs, set()) if doc[0] in self.to_embed)
        with tqdm(total=len(self.to_embed), desc=f"embedding {self.collection.name}",
                  unit="doc", disable=not progress or not self.to_embed,
                  smoothing=0.1) as bar:
            for chunk in _chunks(wanted, self.chunk):
                texts = [text for _, text, _ in chunk]
                vectors = self.embedder.embed(texts)
                self.collection.upsert(
                    ids=[doc_id for doc_id, _, _ in chunk], embeddings=vectors, documents=texts,
                    metadatas=[{**_hashed(text, meta), "embedded_by": self.embedder.model_name}
                               for _, text, meta in chunk])
                self.report.embedded += len(chunk)
                bar.update(len(chunk))
        self._name_model()

    def _name_model(self) -> None:
        """Record the embedder's model on the collection, now that every record has its vectors."""
        metadata = dict(self.collection.metadata or {})
        if metadata.get("embedding_model") != self.embedder.model_name:
            metadata["embedding_model"] = self.embedder.model_name
            self.collection.modify(metadata=metadata)
        self._built_by = self.embedder.model_name


def _hashed(text: str, meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` with the hashes that tell a later sync whether anything changed."""
    meta = {k: v for k, v in meta.items() if k not in ("text_hash", "meta_hash", "embedded_by")}
    meta["text_hash"] = content_hash(text)
    meta["meta_hash"] = content_hash(sorted(meta.items()))
    return meta


def _unique(docs: Iterable[Doc], seen: set[str]) -> Iterator[Doc]:
    """``docs`` without repeated ids (the first wins); ``seen`` collects the ids."""
    for doc in docs:
        if doc[0] not in seen:
            seen.add(doc[0])
            yield doc


def _chunks(docs: Iterable[Doc], size: int) -> Iterator[list[Doc]]:
    chunk: list[Doc] = []
    for doc in docs:
        chunk.append(doc)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
