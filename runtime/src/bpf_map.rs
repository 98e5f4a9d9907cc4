//! Byte-level access to maps whose key and value layouts are only known at run
//! time (aya's typed maps need compile-time types): the `bpf(2)` map commands.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

const BPF_MAP_LOOKUP_ELEM: libc::c_long = 1;
const BPF_MAP_UPDATE_ELEM: libc::c_long = 2;
const BPF_MAP_DELETE_ELEM: libc::c_long = 3;
const BPF_MAP_GET_NEXT_KEY: libc::c_long = 4;

#[repr(C)]
#[derive(Default)]
struct MapElemAttr {
    map_fd: u32,
    _pad: u32,
    key: u64,
    value: u64,
    flags: u64,
}

/// A map seen as raw bytes.
pub struct RawMap<'a> {
    pub fd: BorrowedFd<'a>,
    pub key_size: usize,
    /// Bytes a lookup returns: for per-CPU maps, one 8-aligned value per possible CPU.
    pub value_size: usize,
}

impl RawMap<'_> {
    fn call(
        &self,
        cmd: libc::c_long,
        key: *const u8,
        value: *const u8,
        flags: u64,
    ) -> io::Result<()> {
        let attr = MapElemAttr {
            map_fd: self.fd.as_raw_fd() as u32,
            key: key as u64,
            value: value as u64,
            flags,
            ..Default::default()
        };
        // SAFETY: attr points to a valid bpf_attr prefix for the map commands;
        // key and value buffers are at least key_size and value_size bytes.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_bpf,
                cmd,
                &attr as *const MapElemAttr,
                std::mem::size_of::<MapElemAttr>(),
            )
        };
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// Every key currently in the map.
    pub fn keys(&self) -> io::Result<Vec<Vec<u8>>> {
        let mut keys = Vec::new();
        let mut next = vec![0u8; self.key_size];
        let mut prev: Option<Vec<u8>> = None;
        loop {
            let prev_ptr = prev.as_ref().map_or(std::ptr::null(), |k| k.as_ptr());
            match self.call(BPF_MAP_GET_NEXT_KEY, prev_ptr, next.as_mut_ptr(), 0) {
                Ok(()) => {
                    keys.push(next.clone());
                    prev = Some(next.clone());
                }
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(keys),
                Err(e) => return Err(e),
            }
        }
    }

    /// The value of `key`, or `None` when absent.
    pub fn lookup(&self, key: &[u8]) -> io::Result<Option<Vec<u8>>> {
        let mut value = vec![0u8; self.value_size];
        match self.call(BPF_MAP_LOOKUP_ELEM, key.as_ptr(), value.as_mut_ptr(), 0) {
            Ok(()) => Ok(Some(value)),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn update(&self, key: &[u8], value: &[u8]) -> io::Result<()> {
        self.call(BPF_MAP_UPDATE_ELEM, key.as_ptr(), value.as_ptr(), 0)
    }

    pub fn delete(&self, key: &[u8]) -> io::Result<()> {
        match self.call(BPF_MAP_DELETE_ELEM, key.as_ptr(), std::ptr::null(), 0) {
            Err(e) if e.raw_os_error() != Some(libc::ENOENT) => Err(e),
            _ => Ok(()),
        }
    }
}
