fn main() {
    std::process::exit(discrw::cli::main());
}
