"""Events for tests that stop a run: the store's commits, counted as they happen."""


class CommitCounter:
    """Counts the batches the store commits, and flips ``expired`` after the ``after``-th."""

    def __init__(self, monkeypatch, after):
        from qec.store import ResultStore

        self.count, self.after, self.expired = 0, after, False
        original = ResultStore.complete_batch

        def counted(store, *args, **kwargs):
            completion = original(store, *args, **kwargs)
            self.count += 1
            self.expired = self.expired or self.count >= self.after
            return completion

        monkeypatch.setattr(ResultStore, "complete_batch", counted)
