import Foundation

/// The bytes of a file, to show a refused file was left untouched.
func fileBytes(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
}
