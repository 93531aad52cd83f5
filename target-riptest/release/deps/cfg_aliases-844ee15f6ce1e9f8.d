/work/wt/hw/target-riptest/release/deps/cfg_aliases-844ee15f6ce1e9f8.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg_aliases-0.2.2/src/lib.rs

/work/wt/hw/target-riptest/release/deps/libcfg_aliases-844ee15f6ce1e9f8.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg_aliases-0.2.2/src/lib.rs

/work/wt/hw/target-riptest/release/deps/libcfg_aliases-844ee15f6ce1e9f8.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg_aliases-0.2.2/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg_aliases-0.2.2/src/lib.rs:
