/*
 * GEMS native operations: the C interface.
 *
 * Tensors are passed as libtorch tensor handles (AtenTensorHandle, an at::Tensor*): from Java
 * the address of an org.bytedeco.pytorch.Tensor, from C++ the address of an at::Tensor.
 * All tensors are float32, on one device (CPU, or CUDA when libgems_cuda.so is present).
 * Every function returns 0 on success; on failure it returns non-zero, changes none of its
 * in/out tensors, and gems_last_error() names the operation, the argument and the shapes.
 *
 * The same operations are registered in libtorch's dispatcher under the namespace `gems`
 * (see native/src/torch_library.cpp) when this library is loaded.
 */
#ifndef GEMS_H
#define GEMS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define GEMS_API __attribute__((visibility("default")))
#else
#define GEMS_API
#endif

/* libtorch's opaque tensor handle (at::Tensor*). */
typedef struct AtenTensorOpaque* AtenTensorHandle;

/* The message of the last failure on this thread ("" when none). */
GEMS_API const char* gems_last_error(void);

/* Why registering the gems:: ops in libtorch's dispatcher failed when this library was loaded
 * ("" when they are registered). The C functions below work either way. */
GEMS_API const char* gems_registration_error(void);

/* Bytes of native heap in use (glibc malloc: arenas and mmapped blocks), which is where
 * libtorch's CPU tensors live; for checking that a loop's native memory stays flat. -1 when
 * the C library cannot tell. */
GEMS_API int64_t gems_native_heap_bytes(void);

/* 1 when the CUDA kernels (libgems_cuda.so) were found and loaded, else 0. */
GEMS_API int gems_cuda_available(void);

/*
 * One GEMS step for a weight W (m x n), in place.
 *
 * The subspaces follow GaLore's rule. When m >= n the basis is `basis` (R x n), rows of right
 * singular vectors; when m < n it is `basis` (m x R), columns of left singular vectors; in both
 * cases R = rank_shared + 2 * rank_task, ordered shared, search, recommendation.
 * The moments exp_avg / exp_avg_sq have shape (R, max(m, n)).
 *
 * G_sh = (count_search G_search + count_rec G_rec) / (count_search + count_rec); a gradient
 * whose count is 0 may be NULL and then counts as zero. Each gradient is projected into its
 * own subspace, Adam runs there (bias-corrected with `step` >= 1), the three directions are
 * back-projected with one GEMM, scaled by alpha and the gates, and
 *   W <- W - lr (D_sh + gate_search D_search + gate_rec D_rec) - lr weight_decay W.
 * With null_basis K (m x k, orthonormal columns spanning the protected output directions),
 * gradients, the update and the weight decay are projected by P = I - K K^T, so K^T W never
 * changes. null_basis may be NULL.
 */
GEMS_API int gems_fused_step(AtenTensorHandle weight, AtenTensorHandle grad_search, AtenTensorHandle grad_rec,
                             int64_t count_search, int64_t count_rec, AtenTensorHandle basis,
                             int64_t rank_shared, int64_t rank_task, AtenTensorHandle exp_avg,
                             AtenTensorHandle exp_avg_sq, double gate_search, double gate_rec, int64_t step,
                             double lr, double beta1, double beta2, double eps, double alpha,
                             double weight_decay, AtenTensorHandle null_basis);

/* Basis refresh methods. */
#define GEMS_BASIS_EXACT 0      /* truncated SVD */
#define GEMS_BASIS_RANDOMIZED 1 /* randomized range finder with subspace iteration */

/*
 * The top-`rank` basis of a gradient G (m x n) by GaLore's rule, written into `out`:
 * (rank x n) right singular vectors as rows when m >= n, (m x rank) left singular vectors as
 * columns when m < n. `out` may be a strided view (a block of a concatenated basis).
 * The randomized method samples rank + oversample directions from a Gaussian seeded with
 * `seed` and runs `power_iters` subspace iterations. *energy receives the fraction of
 * ||G||_F^2 that the basis captures.
 */
GEMS_API int gems_refresh_basis(AtenTensorHandle grad, int64_t rank, int method, int64_t oversample,
                                int64_t power_iters, uint64_t seed, AtenTensorHandle out, double* energy);

/* Rules that split the eigenvectors of an activation second moment. */
#define GEMS_NULL_EIGENVALUE 0 /* protect eigenvectors with eigenvalue >= threshold */
#define GEMS_NULL_ENERGY 1     /* protect the leading ones holding `threshold` of the trace */

/*
 * The null-space split of a symmetric second-moment matrix C = mean(y y^T) (m x m).
 * Writes all eigenvectors as columns sorted by descending eigenvalue into
 * `eigenvectors_out` (m x m) and the eigenvalues into `eigenvalues_out` (m), and the number k
 * of protected (dominant) directions into *protected_count: K = eigenvectors_out[:, :k].
 * At least ceil(min_null_fraction * m) directions are always left free (the reference keeps
 * the smallest 5% when the threshold leaves fewer).
 */
GEMS_API int gems_null_space_basis(AtenTensorHandle second_moment, int rule, double threshold,
                                   double min_null_fraction, AtenTensorHandle eigenvectors_out,
                                   AtenTensorHandle eigenvalues_out, int64_t* protected_count);

#ifdef __cplusplus
}
#endif

#endif /* GEMS_H */
