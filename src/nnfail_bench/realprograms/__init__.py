"""Real faulty programs from a public fault-diagnosis benchmark, retold in our own code.

Scored by :mod:`nnfail_bench.realprograms.scoring` (``validation/doctor_realprograms.py``).

``deepfd-evaluation.csv`` beside this file (39 of the 52 programs of the DeepFD benchmark, Cao et al., ICSE
2022, with the published per-program outcomes extracted from the authors' repository,
github.com/ArabelaTso/DeepFD, ``Benchmark/Evaluation.xlsx``) names 39 faulty deep-learning programs, most of them Stack Overflow
questions, with the fault types each repair fixed and the published outcome of four diagnosis tools. Each
module ``p<no>_<subject>.py`` here retells one of them: the model and data as the post describes them (a
generator with the described shapes, ranges and label encoding where the data is not public) and the
repaired twin from the accepted fix, with what was recovered from the post and what had to be assumed.

Rows 35, 39, 41, 42 and 46 were added after the doctor's rules had been revised on the others; their posts
could not be retrieved (searching by id and by their code found nothing), so they are *patch-only*
reconstructions: the repair from the DeepFD patch table, the model and data assumed consistently with it and
with the other tools' messages recorded there (each module's ``ASSUMED`` says what). The doctor was run on them
once before any rule changed (``second_heldout_run.json``). Rows 37 (41600519) and 38 (41947039) are not
reconstructed: for 37 the patch gives only the compile and fit lines while its ground truth also names changed
layers and layer properties, which nothing recovered describes; for 38 the benchmark records no patch at all.

Module interface (every module defines all of these):

- ``NO`` (int, the row's ``no``), ``SUBJECT`` (str), ``URL``, ``TITLE`` (the post's title),
  ``GROUND_TRUTH`` (tuple of the fault types the benchmark lists for it);
- ``FAULT`` and ``REPAIR``: one sentence each, in our own words;
- ``RECOVERED`` and ``ASSUMED``: what came from the post, what we had to choose;
- ``TASK``: "regression", "binary" or "multiclass"; ``FIT``: dict(epochs=..., batch_size=...) as posted
  (capped for speed where the post trains for very long: ``ASSUMED`` says so); ``FIT_FIXED`` (optional) the
  repaired twin's, where the repair changes the number of epochs or the batch size;
- ``build(fixed: bool, rng: numpy.random.Generator) -> nnfail.models.Case``: the compiled Keras model (the
  post's layers, loss, optimizer and learning rate) with its training data X, y; ``fixed=True`` applies the
  accepted repair and nothing else.
"""
