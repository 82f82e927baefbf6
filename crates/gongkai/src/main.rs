//! The `gongkai` binary. (skeleton)

fn main() {
    println!("gongkai");
}
