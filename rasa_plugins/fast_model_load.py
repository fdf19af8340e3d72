"""Loading DIET and the ResponseSelector without a training step: the Rasa server starts much faster.

Rasa 3.6 loads a trained TensorFlow model (`RasaModel.load`) by compiling it and *training it for one step* on an
example, only to create its variables, then reads the trained weights over them, then runs one prediction. The
training step makes TensorFlow trace the whole training graph (loss, gradients, optimizer): the start-up profile
of the Rasa server showed two thirds of the start-up there.

`install()` makes `RasaModel.load` create the variables with a prediction (Rasa runs one anyway), then read the
trained weights (TensorFlow's checkpoints restore variables created before or after the read), and check that
every variable the model has was found in the checkpoint (only the optimizer's state, useless to predict, is
left unread), then prepare the prediction again from the trained weights (DIET caches its label embeddings). Predictions are the same numbers as with Rasa's load (tests/plugins/test_fast_model_load.py checks
it on the trained model). A fine-tuning load, or a model without a prediction example, or any failure of the
check, goes through Rasa's own load.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

logger = logging.getLogger(__name__)
_original = None


def _load(cls: Any, model_file_name: str, model_data_example: Any, predict_data_example: Optional[Any] = None,
          finetune_mode: bool = False, *args: Any, **kwargs: Any) -> Any:
    if finetune_mode or predict_data_example is None:
        return _original.__func__(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                                  *args, **kwargs)
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY

    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                  run_eagerly=config.get(RUN_EAGERLY))
    # One eager prediction creates the variables that prediction uses, without tracing a graph: a graph traced
    # now would keep, as constants, what it computed from the untrained variables.
    run_eagerly = model._run_eagerly
    model._run_eagerly = True
    try:
        model.run_inference(predict_data_example)
    finally:
        model._run_eagerly = run_eagerly
    status = model.load_weights(model_file_name)
    try:
        status.assert_existing_objects_matched()  # every variable of the model has its trained value
    except AssertionError as error:
        logger.warning("fast model load: %s; loading with Rasa's own method", error)
        return _original.__func__(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                                  *args, **kwargs)
    status.expect_partial()  # the optimizer's slots are not needed to predict
    # The eager prediction cached what DIET computes once for all (the label embeddings) from the untrained
    # variables: compute it again from the trained ones, and trace the prediction graph, as Rasa's load does.
    model.prepared_for_prediction = False
    model._tf_predict_step = None
    model.run_inference(predict_data_example)
    return model


def install() -> None:
    global _original
    from rasa.utils.tensorflow.models import RasaModel

    if _original is None:
        _original = RasaModel.__dict__["load"]
        RasaModel.load = classmethod(_load)
