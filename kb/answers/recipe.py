"""How matchers are trained here: with which encoder, and where its vectors are cached.

One small value that travels to the training child process and into every training run of a
knowledge base (publishing, the routing check, `kb eval --self`), so they all learn alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.answers.config import Example, MatcherConfig
from kb.answers.encoding.cache import EmbeddingCache, stderr_progress
from kb.answers.encoding.registry import NO_ENCODER, get_encoder
from kb.answers.matcher import IntentMatcher
from kb.answers.spill import Spill

__all__ = ["LEXICAL", "MatcherRecipe"]


@dataclass(frozen=True)
class MatcherRecipe:
    """The encoder (`none`: words alone) and the folder of its vector cache (None: none kept)."""

    encoder: str = NO_ENCODER
    cache_dir: Path | None = None
    progress: bool = False  # say on standard error how a long encoding goes (the CLI)
    #: Where a release's training process sets aside each array once final (kb/answers/spill.py;
    #: on the disk the matchers are saved to); None: every array stays in memory.
    spill_dir: Path | None = None
    #: Whether the process keeps the encoder's model once a build has used it: a serving
    #: process does (its customers' questions need it); a publish lets it go (issue 22).
    keep_model: bool = True

    def cache(self) -> EmbeddingCache | None:
        """The vector cache of this recipe's encoder, or None without an encoder."""
        model = get_encoder(self.encoder)
        if model is None:
            return None
        return EmbeddingCache(self.cache_dir, model, stderr_progress if self.progress else None)

    def train(
        self,
        examples: Sequence[Example],
        locale: str,
        *,
        config: MatcherConfig | None = None,
        cache: EmbeddingCache | None = None,
    ) -> IntentMatcher:
        """A matcher of `examples`; pass `cache` to share one across several trainings."""
        cache = self.cache() if cache is None else cache  # (an empty cache is falsy)
        encoder = cache.encoder if cache is not None else None
        spill = None if self.spill_dir is None else Spill(self.spill_dir)
        return IntentMatcher.train(
            examples, locale=locale, config=config, encoder=encoder, cache=cache, spill=spill
        )


#: The lexical matcher alone, as before encoders.
LEXICAL = MatcherRecipe()
