// Debian's libopenblas-dev (cblas_sgemm and friends); its cblas.h sits on the multiarch include path.
#include <cblas.h>
