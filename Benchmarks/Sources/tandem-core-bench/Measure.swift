import Foundation

func formatRate(_ perSecond: Double) -> String {
    String(format: "%.0f", perSecond)
}
