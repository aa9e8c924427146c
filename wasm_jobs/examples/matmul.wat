;; Matrix multiplication job with wrapping 32-bit arithmetic.
;;
;; Input:  u32 n little-endian, then A and B, each n*n i32 little-endian in
;;         row-major order.
;; Output: C = A x B, n*n i32 little-endian row-major, where
;;         C[i][j] = sum_k A[i][k] * B[k][j]  (mod 2^32).
;; An input whose length is not exactly 4 + 8*n*n traps (unreachable).
(module
  (memory (export "memory") 1)
  ;; Bump allocator: everything lives until the instance is dropped.
  (global $heap (mut i32) (i32.const 1024))

  (func $alloc (export "alloc") (param $size i32) (result i32)
    (local $ptr i32)
    (local $end i64)
    (local $have i64)
    (local.set $ptr (global.get $heap))
    ;; end = align8(ptr + size), computed in 64 bits so it cannot wrap
    (local.set $end
      (i64.and
        (i64.add
          (i64.add (i64.extend_i32_u (local.get $ptr)) (i64.extend_i32_u (local.get $size)))
          (i64.const 7))
        (i64.const -8)))
    (if (i64.ge_u (local.get $end) (i64.const 0x100000000)) (then unreachable))
    (local.set $have (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
    (if (i64.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow
                (i32.wrap_i64
                  (i64.shr_u
                    (i64.add (i64.sub (local.get $end) (local.get $have)) (i64.const 0xffff))
                    (i64.const 16))))
              (i32.const -1))
          (then unreachable))))
    (global.set $heap (i32.wrap_i64 (local.get $end)))
    (local.get $ptr))

  (func (export "run") (param $ptr i32) (param $len i32) (result i64)
    (local $n i32)
    (local $a i32)
    (local $b i32)
    (local $out i32)
    (local $size i32)
    (local $i i32)
    (local $j i32)
    (local $k i32)
    (local $acc i32)
    (if (i32.lt_u (local.get $len) (i32.const 4)) (then unreachable))
    (local.set $n (i32.load (local.get $ptr)))
    ;; 4 + 8*n*n in 64 bits, so a huge n cannot wrap around to a small length
    (if (i64.ne
          (i64.extend_i32_u (local.get $len))
          (i64.add
            (i64.const 4)
            (i64.mul
              (i64.const 8)
              (i64.mul (i64.extend_i32_u (local.get $n)) (i64.extend_i32_u (local.get $n))))))
      (then unreachable))
    (local.set $size (i32.mul (i32.const 4) (i32.mul (local.get $n) (local.get $n))))
    (local.set $a (i32.add (local.get $ptr) (i32.const 4)))
    (local.set $b (i32.add (local.get $a) (local.get $size)))
    (local.set $out (call $alloc (local.get $size)))
    (local.set $i (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $columns_done
          (loop $columns
            (br_if $columns_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $acc (i32.const 0))
            (local.set $k (i32.const 0))
            (block $terms_done
              (loop $terms
                (br_if $terms_done (i32.ge_u (local.get $k) (local.get $n)))
                (local.set $acc
                  (i32.add
                    (local.get $acc)
                    (i32.mul
                      (i32.load
                        (i32.add (local.get $a)
                          (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $k)) (i32.const 2))))
                      (i32.load
                        (i32.add (local.get $b)
                          (i32.shl (i32.add (i32.mul (local.get $k) (local.get $n)) (local.get $j)) (i32.const 2)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $terms)))
            (i32.store
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
              (local.get $acc))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $columns)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (local.get $size))))
)
