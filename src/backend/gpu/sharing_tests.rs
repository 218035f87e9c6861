//! The device cache: the backends of one thread share one device, keep their own buffers, and
//! a loss reaches the backends it should and no others.

use super::{devices_opened, GpuBackend};
use crate::backend::{Backend, Buf};
use crate::error::Error;
use futures_util::future::join;
use pollster::block_on;
use std::sync::{Mutex, MutexGuard};

/// One device test at a time (see `tests/common/gpu.rs`: some drivers hang with many devices
/// polled from many threads at once).
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn gpu() -> GpuBackend {
    block_on(GpuBackend::new()).unwrap_or_else(|e| {
        panic!("no GPU adapter: run `make setup` (installs mesa-vulkan-drivers) ({e})")
    })
}

/// `x · xᵀ` of a 2 × 2 matrix through the backend's own buffers.
fn gram(g: &mut GpuBackend, x: [f32; 4]) -> Result<Vec<f32>, Error> {
    let a = g.alloc(2, 2);
    let out = g.alloc(2, 2);
    g.write(a, &x)?;
    g.matmul(a, false, a, true, out)?;
    let v = block_on(g.read(&[out]))?.remove(0);
    g.free(a);
    g.free(out);
    Ok(v)
}

fn gram_cpu(x: [f32; 4]) -> Vec<f32> {
    vec![
        x[0] * x[0] + x[1] * x[1],
        x[0] * x[2] + x[1] * x[3],
        x[2] * x[0] + x[3] * x[1],
        x[2] * x[2] + x[3] * x[3],
    ]
}

#[test]
fn backends_of_a_thread_share_one_device_and_keep_their_own_buffers() {
    let _serial = serial();
    let before = devices_opened();
    let (a, b) = block_on(join(GpuBackend::new(), GpuBackend::new()));
    let (mut a, mut b) = (a.unwrap(), b.unwrap());
    assert!(a.same_device(&b));
    assert_eq!(devices_opened(), before + 1);
    // The same buffer ids in both backends, different contents: each reads its own.
    let xa = a.alloc(2, 2);
    let xb = b.alloc(2, 2);
    assert_eq!((xa, xb), (Buf(0), Buf(0)));
    a.write(xa, &[1.0, 2.0, 3.0, 4.0]).unwrap();
    b.write(xb, &[5.0, 6.0, 7.0, 8.0]).unwrap();
    let read = |g: &mut GpuBackend, x| block_on(g.read(&[x])).unwrap().remove(0);
    assert_eq!(read(&mut a, xa), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(read(&mut b, xb), [5.0, 6.0, 7.0, 8.0]);
    // One backend gone, the other still computes on the device.
    drop(a);
    assert_eq!(
        gram(&mut b, [1.0, -1.0, 2.0, 0.5]).unwrap(),
        gram_cpu([1.0, -1.0, 2.0, 0.5])
    );
    let c = gpu();
    assert!(c.same_device(&b));
    assert_eq!(devices_opened(), before + 1);
    // Once no backend holds it, the device is released: the next backend opens its own.
    drop((b, c));
    let mut d = gpu();
    assert_eq!(devices_opened(), before + 2);
    assert_eq!(
        gram(&mut d, [3.0, 1.0, 0.0, 2.0]).unwrap(),
        gram_cpu([3.0, 1.0, 0.0, 2.0])
    );
}

#[test]
fn a_simulated_loss_on_a_shared_device_is_that_backends_alone() {
    let _serial = serial();
    let before = devices_opened();
    let mut a = gpu();
    let mut b = gpu();
    a.simulate_device_loss();
    assert!(matches!(gram(&mut a, [1.0; 4]), Err(Error::DeviceLost(_))));
    assert_eq!(
        gram(&mut b, [1.0, 2.0, 3.0, 4.0]).unwrap(),
        gram_cpu([1.0, 2.0, 3.0, 4.0])
    );
    // The device is healthy: a new backend joins it.
    let mut c = gpu();
    assert!(c.same_device(&b));
    assert_eq!(devices_opened(), before + 1);
    assert_eq!(
        gram(&mut c, [0.5, 0.0, 0.0, 2.0]).unwrap(),
        gram_cpu([0.5, 0.0, 0.0, 2.0])
    );
}

#[test]
fn a_simulated_loss_of_the_only_backend_destroys_the_device() {
    let _serial = serial();
    let before = devices_opened();
    let mut a = gpu();
    a.simulate_device_loss();
    assert!(matches!(gram(&mut a, [1.0; 4]), Err(Error::DeviceLost(_))));
    // `a` still holds the lost device; the next backend does not take it.
    let mut b = gpu();
    assert!(!b.same_device(&a));
    assert_eq!(devices_opened(), before + 2);
    assert_eq!(
        gram(&mut b, [1.0, 2.0, 3.0, 4.0]).unwrap(),
        gram_cpu([1.0, 2.0, 3.0, 4.0])
    );
}

#[test]
fn a_real_loss_reaches_every_backend_and_the_next_opens_a_fresh_device() {
    let _serial = serial();
    let before = devices_opened();
    let mut a = gpu();
    let mut b = gpu();
    a.ctx.lose_for_all("driver reset");
    assert!(matches!(gram(&mut a, [1.0; 4]), Err(Error::DeviceLost(_))));
    assert!(matches!(gram(&mut b, [1.0; 4]), Err(Error::DeviceLost(_))));
    let mut c = gpu();
    assert!(!c.same_device(&a) && !c.same_device(&b));
    assert_eq!(devices_opened(), before + 2);
    assert_eq!(
        gram(&mut c, [2.0, 1.0, 1.0, 2.0]).unwrap(),
        gram_cpu([2.0, 1.0, 1.0, 2.0])
    );
}
