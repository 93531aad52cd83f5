/work/wt/hw/target-riptest/release/deps/discrw-d4c277bd3151ae09.d: src/main.rs

/work/wt/hw/target-riptest/release/deps/discrw-d4c277bd3151ae09: src/main.rs

src/main.rs:
