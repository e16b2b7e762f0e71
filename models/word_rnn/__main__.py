import sys

from ..common.threads import configure_blas_threads

BLAS_THREADS = configure_blas_threads()  # before numpy is imported: BLAS reads it only then

from .cli import main  # noqa: E402

sys.exit(main())
