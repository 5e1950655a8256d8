//! Generic methods (a type parameter, an `impl Trait` parameter) would make the async trait
//! unusable as `dyn`: one error each, pointing at `skip`.
use bridge_runtime::sync_to_async;

#[sync_to_async(trait = AsyncRepository)]
pub trait Repository {
    fn each<F: FnMut(u64)>(&self, f: F);

    fn load(&self, path: impl AsRef<std::path::Path>) -> u64;

    fn get(&self, id: u64) -> Option<String>;
}

fn main() {}
