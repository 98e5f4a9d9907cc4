//! A [`KernelInfo`] made of format files captured from a real kernel, for tests.
//! OWNED BY THE KERNEL-FACTS HELPER: skeleton only.
