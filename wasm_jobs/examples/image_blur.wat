;; 3x3 box blur job over an 8-bit grayscale image.
;;
;; Input:  u32 width, u32 height (little-endian), then width*height pixel
;;         bytes in row-major order.
;; Output: width*height bytes (no header), where each pixel is the floor of
;;         the mean of its 3x3 neighbourhood; neighbours outside the image
;;         are clamped to the nearest edge pixel, so every window has 9
;;         samples and the divisor is always 9.
;; An input whose length is not exactly 8 + width*height traps (unreachable).
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

  (func $clamp (param $value i32) (param $limit i32) (result i32)
    ;; clamp a signed coordinate into [0, limit - 1]
    (if (i32.lt_s (local.get $value) (i32.const 0)) (then (return (i32.const 0))))
    (if (i32.ge_s (local.get $value) (local.get $limit))
      (then (return (i32.sub (local.get $limit) (i32.const 1)))))
    (local.get $value))

  (func (export "run") (param $ptr i32) (param $len i32) (result i64)
    (local $width i32)
    (local $height i32)
    (local $pixels i32)
    (local $out i32)
    (local $size i32)
    (local $x i32)
    (local $y i32)
    (local $dx i32)
    (local $dy i32)
    (local $row i32)
    (local $sum i32)
    (if (i32.lt_u (local.get $len) (i32.const 8)) (then unreachable))
    (local.set $width (i32.load (local.get $ptr)))
    (local.set $height (i32.load offset=4 (local.get $ptr)))
    (if (i64.ne
          (i64.extend_i32_u (local.get $len))
          (i64.add
            (i64.const 8)
            (i64.mul (i64.extend_i32_u (local.get $width)) (i64.extend_i32_u (local.get $height)))))
      (then unreachable))
    ;; images wider or taller than 2^31 - 1 would break signed clamping
    (if (i32.or (i32.lt_s (local.get $width) (i32.const 0)) (i32.lt_s (local.get $height) (i32.const 0)))
      (then unreachable))
    (local.set $size (i32.mul (local.get $width) (local.get $height)))
    (local.set $pixels (i32.add (local.get $ptr) (i32.const 8)))
    (local.set $out (call $alloc (local.get $size)))
    (local.set $y (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $x (i32.const 0))
        (block $columns_done
          (loop $columns
            (br_if $columns_done (i32.ge_u (local.get $x) (local.get $width)))
            (local.set $sum (i32.const 0))
            (local.set $dy (i32.const -1))
            (block $window_rows_done
              (loop $window_rows
                (br_if $window_rows_done (i32.gt_s (local.get $dy) (i32.const 1)))
                (local.set $row
                  (i32.add (local.get $pixels)
                    (i32.mul
                      (call $clamp (i32.add (local.get $y) (local.get $dy)) (local.get $height))
                      (local.get $width))))
                (local.set $dx (i32.const -1))
                (block $window_columns_done
                  (loop $window_columns
                    (br_if $window_columns_done (i32.gt_s (local.get $dx) (i32.const 1)))
                    (local.set $sum
                      (i32.add (local.get $sum)
                        (i32.load8_u
                          (i32.add (local.get $row)
                            (call $clamp (i32.add (local.get $x) (local.get $dx)) (local.get $width))))))
                    (local.set $dx (i32.add (local.get $dx) (i32.const 1)))
                    (br $window_columns)))
                (local.set $dy (i32.add (local.get $dy) (i32.const 1)))
                (br $window_rows)))
            (i32.store8
              (i32.add (local.get $out) (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x)))
              (i32.div_u (local.get $sum) (i32.const 9)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $columns)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (local.get $size))))
)
