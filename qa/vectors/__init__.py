"""Dense vector search behind one small interface (``qa.vectors.base.VectorStore``), the backend chosen by a
string (``Settings.vector_store``, env ``KUTIP_VECTOR_STORE``, ``--vector-store``) through ``make_vector_store``:

- ``faiss`` (default): FAISS over the vectors of the live index version; ``flat`` is built in memory at load,
  ``hnsw`` and ``ivf`` are read from ``dense.faiss`` in each segment folder of the index.
- ``milvus:<path>``: Milvus Lite keeping its data in the folder ``<path>`` (relative to the current
  directory; ``milvus:.kutip/milvus.db`` for example). Milvus Lite runs inside this process and lets one
  process at a time open a folder.
- ``milvus:http://host:port`` (or ``https://``, ``tcp://``): a Milvus server or cluster, or a standalone
  ``milvus-lite server --data-dir DIR --host 127.0.0.1 --port PORT`` that several processes can share.

The local index folder (``qa.index``) stays the source of truth for passages, manifest, BM25 and the
vectors; a Milvus collection is a copy of the vectors, brought in line each time an index version is
opened. One collection per index folder, named ``kutip_<first 16 hex digits of the sha256 of the
resolved index folder path>``, so several kutip indexes can share one server. Its properties hold the live
version's name (the marker, set last), the embedder, the dimension and the index type. Opening a version
the collection already holds costs one count; a different marker (a process killed between switching the
local version and syncing Milvus, or a new version) is repaired by comparing passage ids and sha256;
another embedder, dimension or index type drops the collection and builds it again.

BM25 stays local (``qa.bm25``) with every store and is fused with the dense results as before. Milvus's own
full-text BM25 is not used: kutip's lexical side depends on term processing done in Python (PyStemmer
stemming of Indonesian, English questions expanded with Indonesian glossary terms; see
``qa.language.search_terms``), which Milvus's server-side analyzers do not do, and keeping it local keeps
hybrid results identical whichever store holds the vectors.
"""

from __future__ import annotations

from pathlib import Path

from qa.vectors.base import (DENSE_FILE, INDEX_KINDS, PassageRow, RowVectors, StoreSpec, StoreSync, VectorPart,
                             VectorStore, VectorStoreError, parse_store_spec)

__all__ = ["DENSE_FILE", "INDEX_KINDS", "PassageRow", "RowVectors", "StoreSpec", "StoreSync", "VectorPart",
           "VectorStore", "VectorStoreError", "make_vector_store", "parse_store_spec"]


def make_vector_store(spec: str, index_dir: Path, token: str = "") -> VectorStore:
    """The store named by ``spec`` for the index folder ``index_dir``; Milvus is connected to here, with
    ``token`` ("user:password" or an API key; ``KUTIP_MILVUS_TOKEN``) for a server that asks for one."""
    parsed = parse_store_spec(spec)
    if parsed.kind == "faiss":
        from qa.vectors.faiss import FaissStore

        return FaissStore()
    from qa.vectors.milvus import MilvusStore, collection_name

    return MilvusStore(parsed, collection_name(index_dir), index_dir=Path(index_dir), token=token)
