"""One module per chapter, named like the chapter's notebook (``chapters/NN_<slug>.ipynb`` ->
``nnfail.cases.<slug>``): the chapter's data, configurations, experiments, summaries and verdicts, and
``doctor_case``, the broken and fixed Keras model the doctor is run on. Notebooks call these functions
and tell the story around them."""
