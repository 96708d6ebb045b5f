using System.Runtime.InteropServices;

namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>
/// The one Lua C function the host calls itself: KeraLua reads a string only by copying all of it, and a string a script
/// raises can be megabytes long (its memory limit's worth) however little of it the host keeps.
/// </summary>
internal static class LuaNative
{
    // KeraLua's native library (liblua54.so, lua54.dll, liblua54.dylib from its runtimes folder).
    private const string Library = "lua54";

    /// <summary>
    /// <c>lua_tolstring</c>: a pointer to the bytes of the string at <paramref name="index"/> and its length, without a copy.
    /// Only for a value that is a string (then it neither converts, allocates nor raises).
    /// </summary>
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr lua_tolstring(IntPtr state, int index, out UIntPtr length);
}
