/work/wt/hw/target-riptest/release/deps/discrw-f725c4450c0e308f.d: src/lib.rs src/cli/mod.rs src/cli/args.rs src/cli/blank.rs src/cli/burn.rs src/cli/device.rs src/cli/error.rs src/cli/info.rs src/cli/iso.rs src/cli/progress.rs src/cli/signals.rs src/cli/verify.rs src/cli/virt.rs src/clock.rs src/drive/mod.rs src/drive/error.rs src/drive/media.rs src/ecma130.rs src/emu/mod.rs src/emu/answers.rs src/emu/faults.rs src/emu/layout.rs src/emu/medium.rs src/emu/write.rs src/iso/mod.rs src/jobs/mod.rs src/jobs/blank.rs src/jobs/burn/mod.rs src/jobs/burn/fifo.rs src/jobs/burn/plan.rs src/jobs/burn/source.rs src/jobs/burn/writer.rs src/jobs/longop.rs src/jobs/verify.rs src/mapfile.rs src/scsi/mod.rs src/scsi/asc_table.rs src/scsi/config.rs src/scsi/cue.rs src/scsi/mmc.rs src/scsi/mode.rs src/scsi/profile.rs src/scsi/retry.rs src/scsi/sbc.rs src/scsi/sense.rs src/scsi/spc.rs src/transport/mod.rs src/transport/discover.rs src/transport/sg_io.rs src/transport/trace.rs

/work/wt/hw/target-riptest/release/deps/libdiscrw-f725c4450c0e308f.rlib: src/lib.rs src/cli/mod.rs src/cli/args.rs src/cli/blank.rs src/cli/burn.rs src/cli/device.rs src/cli/error.rs src/cli/info.rs src/cli/iso.rs src/cli/progress.rs src/cli/signals.rs src/cli/verify.rs src/cli/virt.rs src/clock.rs src/drive/mod.rs src/drive/error.rs src/drive/media.rs src/ecma130.rs src/emu/mod.rs src/emu/answers.rs src/emu/faults.rs src/emu/layout.rs src/emu/medium.rs src/emu/write.rs src/iso/mod.rs src/jobs/mod.rs src/jobs/blank.rs src/jobs/burn/mod.rs src/jobs/burn/fifo.rs src/jobs/burn/plan.rs src/jobs/burn/source.rs src/jobs/burn/writer.rs src/jobs/longop.rs src/jobs/verify.rs src/mapfile.rs src/scsi/mod.rs src/scsi/asc_table.rs src/scsi/config.rs src/scsi/cue.rs src/scsi/mmc.rs src/scsi/mode.rs src/scsi/profile.rs src/scsi/retry.rs src/scsi/sbc.rs src/scsi/sense.rs src/scsi/spc.rs src/transport/mod.rs src/transport/discover.rs src/transport/sg_io.rs src/transport/trace.rs

/work/wt/hw/target-riptest/release/deps/libdiscrw-f725c4450c0e308f.rmeta: src/lib.rs src/cli/mod.rs src/cli/args.rs src/cli/blank.rs src/cli/burn.rs src/cli/device.rs src/cli/error.rs src/cli/info.rs src/cli/iso.rs src/cli/progress.rs src/cli/signals.rs src/cli/verify.rs src/cli/virt.rs src/clock.rs src/drive/mod.rs src/drive/error.rs src/drive/media.rs src/ecma130.rs src/emu/mod.rs src/emu/answers.rs src/emu/faults.rs src/emu/layout.rs src/emu/medium.rs src/emu/write.rs src/iso/mod.rs src/jobs/mod.rs src/jobs/blank.rs src/jobs/burn/mod.rs src/jobs/burn/fifo.rs src/jobs/burn/plan.rs src/jobs/burn/source.rs src/jobs/burn/writer.rs src/jobs/longop.rs src/jobs/verify.rs src/mapfile.rs src/scsi/mod.rs src/scsi/asc_table.rs src/scsi/config.rs src/scsi/cue.rs src/scsi/mmc.rs src/scsi/mode.rs src/scsi/profile.rs src/scsi/retry.rs src/scsi/sbc.rs src/scsi/sense.rs src/scsi/spc.rs src/transport/mod.rs src/transport/discover.rs src/transport/sg_io.rs src/transport/trace.rs

src/lib.rs:
src/cli/mod.rs:
src/cli/args.rs:
src/cli/blank.rs:
src/cli/burn.rs:
src/cli/device.rs:
src/cli/error.rs:
src/cli/info.rs:
src/cli/iso.rs:
src/cli/progress.rs:
src/cli/signals.rs:
src/cli/verify.rs:
src/cli/virt.rs:
src/clock.rs:
src/drive/mod.rs:
src/drive/error.rs:
src/drive/media.rs:
src/ecma130.rs:
src/emu/mod.rs:
src/emu/answers.rs:
src/emu/faults.rs:
src/emu/layout.rs:
src/emu/medium.rs:
src/emu/write.rs:
src/iso/mod.rs:
src/jobs/mod.rs:
src/jobs/blank.rs:
src/jobs/burn/mod.rs:
src/jobs/burn/fifo.rs:
src/jobs/burn/plan.rs:
src/jobs/burn/source.rs:
src/jobs/burn/writer.rs:
src/jobs/longop.rs:
src/jobs/verify.rs:
src/mapfile.rs:
src/scsi/mod.rs:
src/scsi/asc_table.rs:
src/scsi/config.rs:
src/scsi/cue.rs:
src/scsi/mmc.rs:
src/scsi/mode.rs:
src/scsi/profile.rs:
src/scsi/retry.rs:
src/scsi/sbc.rs:
src/scsi/sense.rs:
src/scsi/spc.rs:
src/transport/mod.rs:
src/transport/discover.rs:
src/transport/sg_io.rs:
src/transport/trace.rs:

# env-dep:CARGO_PKG_VERSION=0.1.0
