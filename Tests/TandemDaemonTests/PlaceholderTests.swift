import Testing
import TandemDaemon
