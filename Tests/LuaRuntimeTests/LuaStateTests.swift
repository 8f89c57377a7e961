import LuaRuntime
import Testing
