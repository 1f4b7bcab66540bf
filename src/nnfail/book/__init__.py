"""The book machinery: the papermill runner with its cache, sweeps on Dask, the strict site build, the
files written from _config.yml and the chapters' specs (launch, sync) and the sweep the checklist shows.
Nothing here imports TensorFlow."""
