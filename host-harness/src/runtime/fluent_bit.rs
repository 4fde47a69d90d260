//! A host that drives the Fluent Bit filter module the way Fluent Bit's `wasm` filter does
//! (../shared/reference/fluent-bit-wasm-abi.md): core module (no component model), WASI preview 1,
//! inputs copied into module memory NUL-terminated through the module's own `malloc`, the filter called
//! with six i32 arguments, the returned NUL-terminated string copied out, the inputs freed.
//! Used by tests to prove the module loads and behaves where Fluent Bit would load it.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use wasmtime::{Engine, Instance, Linker, Memory, Module, Store, TypedFunc};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// The Fluent Bit filter module built alongside this harness (see build.rs).
pub const BUNDLED_MODULE: &[u8] = include_bytes!(env!("BLINDSPOT_FLUENT_BIT_WASM"));

/// Returned strings longer than this are treated as a broken module rather than read.
const MAX_OUTPUT: usize = 256 * 1024 * 1024;

type FilterFn = TypedFunc<(u32, u32, u32, u32, u32, u32), u32>;

pub struct FluentBitHost {
    store: Store<WasiP1Ctx>,
    instance: Instance,
    memory: Memory,
    malloc: TypedFunc<u32, u32>,
    free: TypedFunc<u32, ()>,
    filter: FilterFn,
}

/// A compiled module, ready to instantiate.
pub struct FluentBitModule {
    engine: Engine,
    module: Module,
}

impl FluentBitModule {
    pub fn bundled() -> Result<FluentBitModule> {
        FluentBitModule::compile(Engine::default(), BUNDLED_MODULE)
    }

    /// `wasm` compiled for `engine` (the bench runs modules in wasmtime's Pulley interpreter).
    pub fn compile(engine: Engine, wasm: &[u8]) -> Result<FluentBitModule> {
        let module = Module::new(&engine, wasm)
            .map_err(anyhow::Error::from)
            .context("compiling the Fluent Bit filter module")?;
        Ok(FluentBitModule { engine, module })
    }

    /// Names of the module's exports.
    pub fn exports(&self) -> Vec<String> {
        self.module.exports().map(|e| e.name().to_owned()).collect()
    }

    /// Instantiate with `function` as the filter, and `config_dir` preopened as Fluent Bit's
    /// `accessible_paths` would.
    pub fn instantiate(&self, function: &str, config_dir: Option<&Path>) -> Result<FluentBitHost> {
        let mut builder = WasiCtxBuilder::new();
        if let Some(dir) = config_dir {
            builder
                .preopened_dir(dir, "/etc/fluent-bit/blindspot", FsPerms::ReadOnly)
                .map_err(anyhow::Error::from)?;
        }
        let mut store = Store::new(&self.engine, builder.build_p1());
        let mut linker: Linker<WasiP1Ctx> = Linker::new(&self.engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx)
            .map_err(anyhow::Error::from)?;
        let instance = linker
            .instantiate(&mut store, &self.module)
            .map_err(anyhow::Error::from)?;
        // A reactor module runs its constructors in `_initialize`, which hosts call once.
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ()).map_err(anyhow::Error::from)?;
        }
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| anyhow!("the module exports no memory"))?;
        let malloc = instance
            .get_typed_func::<u32, u32>(&mut store, "malloc")
            .map_err(anyhow::Error::from)?;
        let free = instance
            .get_typed_func::<u32, ()>(&mut store, "free")
            .map_err(anyhow::Error::from)?;
        let filter = instance
            .get_typed_func::<(u32, u32, u32, u32, u32, u32), u32>(&mut store, function)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("the module exports no filter function {function}"))?;
        Ok(FluentBitHost {
            store,
            instance,
            memory,
            malloc,
            free,
            filter,
        })
    }
}

impl FluentBitHost {
    /// Filter one record. `Ok(None)`: the record is dropped (NULL or empty string returned).
    pub fn call(&mut self, tag: &str, time: (u32, u32), record: &[u8]) -> Result<Option<Vec<u8>>> {
        let tag_ptr = self.copy_in(tag.as_bytes())?;
        let record_ptr = self.copy_in(record)?;
        let len = |n: usize| u32::try_from(n).context("input larger than 4 GiB");
        let ret = self
            .filter
            .call(
                &mut self.store,
                (
                    tag_ptr,
                    len(tag.len())?,
                    time.0,
                    time.1,
                    record_ptr,
                    len(record.len())?,
                ),
            )
            .map_err(anyhow::Error::from)?;
        let output = if ret == 0 {
            None
        } else {
            let data = self.memory.data(&self.store);
            let start = ret as usize;
            let Some(tail) = data.get(start..) else {
                bail!("filter returned a pointer outside memory");
            };
            let end = tail
                .iter()
                .take(MAX_OUTPUT)
                .position(|&b| b == 0)
                .ok_or_else(|| anyhow!("returned string is not NUL-terminated"))?;
            (end > 0).then(|| tail[..end].to_vec())
        };
        self.free
            .call(&mut self.store, tag_ptr)
            .map_err(anyhow::Error::from)?;
        self.free
            .call(&mut self.store, record_ptr)
            .map_err(anyhow::Error::from)?;
        Ok(output)
    }

    fn copy_in(&mut self, bytes: &[u8]) -> Result<u32> {
        let size = u32::try_from(bytes.len() + 1).context("input larger than 4 GiB")?;
        let ptr = self
            .malloc
            .call(&mut self.store, size)
            .map_err(anyhow::Error::from)?;
        if ptr == 0 {
            bail!("module malloc({size}) failed");
        }
        let data = self.memory.data_mut(&mut self.store);
        let start = ptr as usize;
        let dest = data
            .get_mut(start..start + bytes.len() + 1)
            .ok_or_else(|| anyhow!("malloc returned memory outside the module"))?;
        dest[..bytes.len()].copy_from_slice(bytes);
        dest[bytes.len()] = 0;
        Ok(ptr)
    }

    /// The module's linear memory size in bytes.
    pub fn memory_size(&self) -> usize {
        self.memory.data_size(&self.store)
    }

    /// The instance, for tests that inspect exports.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }
}
