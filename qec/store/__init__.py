"""A durable SQLite store of sampling results that survives crashes and concurrent writers.

The file holds six tables:

* ``qec_schema``: one row, the schema version (:data:`SCHEMA_VERSION`);
* ``tasks``: one row per task: ``strong_id``, ``decoder``, ``json_metadata``, the circuit text
  (NULL for results imported from sinter CSV) and ``num_observables``;
* ``checkpoints``: the resumable state of methods that are not a sum of independent shots
  (the splitting estimator's chains after each completed level), written in the same
  transaction as the batch row that counts that level;
* ``batches``: one row per batch of shots, append-only. A batch row is first *claimed* (its
  ``shots`` are NULL: sampling is in flight) with a range of chunk indices that seed its random
  numbers, then *completed* in its own transaction. Statistics are sums over completed rows, so
  a crash loses only the batches in flight, and two processes appending at once cannot lose each
  other's updates. Beside the integer counts a batch may carry ``sums``, float accumulators of
  a non-binomial estimator (a JSON object), summed like the counts.
  A batch committed under an error-based stopping rule also keeps each chunk's counts
  (``chunks``), so that the commit completing a task's prefix can cut the task at the chunk
  where a single run stops, however many processes shared it;
* ``leases``: which process holds a task exclusively (``claim_batch(exclusive=True)``; taken
  over when its holder dies);
* ``plans``: the shot targets of each step of an adaptive plan (a precision sweep), recorded
  before they are sampled, so that a resumed sweep replays the same decisions.

Schema versions: 1 (qec 0.1: no ``num_observables``, no ``sums``) is migrated to 2 in place,
in one transaction, the first time a writable store opens it; a version newer than this qec
knows is refused, never misread.

The database runs in WAL mode with ``synchronous=NORMAL``: a committed batch survives the process
being killed at any moment (``kill -9``); after an operating-system crash or power loss the last
few commits may roll back, but the file stays consistent.

The package's modules: :mod:`qec.store._schema` (the tables, the schema version and its
migration, opening a connection), :mod:`qec.store._result_store` (:class:`ResultStore` and the
:class:`Batch` of a claim), :mod:`qec.store._queries` (the read side: totals and filters) and
:mod:`qec.store._owners` (which process owns a claim, and whether it has ended).
"""

from __future__ import annotations

# Beside __all__, the names qec.store has always had (``name as name``: a re-export).
from qec.store._owners import owner_id as owner_id
from qec.store._owners import owner_is_dead as owner_is_dead
from qec.store._result_store import CHUNK_SHOTS_FOR_BUDGET as CHUNK_SHOTS_FOR_BUDGET
from qec.store._result_store import Batch as Batch
from qec.store._result_store import ResultStore
from qec.store._schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "ResultStore"]
