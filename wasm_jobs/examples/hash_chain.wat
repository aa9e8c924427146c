;; Hash chain job: an iterated FNV-1a 64 over the previous state and a seed.
;;
;; Input:  u64 little-endian iteration count N, then the seed (any length).
;; Output: 8 bytes, the final state little-endian, where
;;           state_0     = fnv1a64(seed)
;;           state_(i+1) = fnv1a64(le_bytes(state_i) || seed)
;; Inputs shorter than 8 bytes trap (unreachable).
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

  ;; FNV-1a 64 of memory[ptr, ptr+len), continuing from hash h.
  (func $fnv1a (param $h i64) (param $ptr i32) (param $len i32) (result i64)
    (local $end i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $h
          (i64.mul
            (i64.xor (local.get $h) (i64.load8_u (local.get $ptr)))
            (i64.const 0x100000001b3)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $next)))
    (local.get $h))

  (func (export "run") (param $ptr i32) (param $len i32) (result i64)
    (local $count i64)
    (local $seed i32)
    (local $seed_len i32)
    (local $state i64)
    (local $out i32)
    (if (i32.lt_u (local.get $len) (i32.const 8)) (then unreachable))
    (local.set $count (i64.load (local.get $ptr)))
    (local.set $seed (i32.add (local.get $ptr) (i32.const 8)))
    (local.set $seed_len (i32.sub (local.get $len) (i32.const 8)))
    (local.set $out (call $alloc (i32.const 8)))
    (local.set $state
      (call $fnv1a (i64.const 0xcbf29ce484222325) (local.get $seed) (local.get $seed_len)))
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $count)))
        ;; the previous state goes through memory so it is hashed as bytes
        (i64.store (local.get $out) (local.get $state))
        (local.set $state
          (call $fnv1a
            (call $fnv1a (i64.const 0xcbf29ce484222325) (local.get $out) (i32.const 8))
            (local.get $seed) (local.get $seed_len)))
        (local.set $count (i64.sub (local.get $count) (i64.const 1)))
        (br $next)))
    (i64.store (local.get $out) (local.get $state))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.const 8)))
)
