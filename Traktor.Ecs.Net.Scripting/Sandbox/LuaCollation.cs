using System.Runtime.InteropServices;
using KeraLua;
using Traktor.Ecs.Net.Scripting.Runtime;

namespace Traktor.Ecs.Net.Scripting.Sandbox;

/// <summary>
/// Checks that Lua's <c>strcoll</c> compares in byte order (the "C" collation), which the string comparison cost model of
/// <see cref="LuaMemory"/> assumes: in a linguistic collation one comparison reads every byte through the locale's tables,
/// 7 to 150 ns a byte on glibc 2.36 (ja_JP.UTF-8 on CJK text the slowest measured) against 0.04 ns a byte and 6 to 24 ns a
/// NUL-separated piece in "C", and that cost depends on the locale and the bytes in ways no bound here covers.
/// </summary>
/// <remarks>
/// Two questions, both asked of what the script's Lua uses: the C library Lua is linked against names its <c>LC_COLLATE</c>
/// (found through the Lua library's own imports, so the same C library state; on Windows, where a DLL's imports cannot be
/// looked up that way, this part is skipped), and the Lua state orders a few pairs of strings whose order differs between
/// byte order and the linguistic collations (case and punctuation). Only "C" and "POSIX" pass the first: "C.UTF-8" orders
/// bytes too, and costs as "C" on glibc 2.35 and later (measured), but older builds of it were not measured.
/// </remarks>
internal static class LuaCollation
{
    // Pairs whose order in "C" (by bytes) differs from a linguistic collation's: an upper case letter sorts before every
    // lower case one, and punctuation by its code rather than ignored or after letters.
    private static readonly (string Left, string Right)[] Probes = [("B", "a"), ("a", "B"), ("Z", "a"), ("-b", "a-"), ("a-", "-b"), ("A", "a"), ("a", "A")];

    private delegate IntPtr SetLocale(int category, IntPtr locale);

    /// <summary>
    /// The C library's <c>LC_COLLATE</c> for the Lua library (null where it cannot be asked): <c>setlocale(LC_COLLATE, NULL)</c>,
    /// which only reads it.
    /// </summary>
    public static string? QueryName() => SetLocaleCollate(null, load: false);

    /// <summary>
    /// Tests (in a child process: it changes the whole process's collation): <c>setlocale(LC_COLLATE, name)</c> in the C
    /// library Lua uses, as native code in a game would. The name set, or null when the C library has no such locale or
    /// cannot be asked (Windows).
    /// </summary>
    internal static string? SetName(string name) => SetLocaleCollate(name, load: true);

    private static string? SetLocaleCollate(string? name, bool load)
    {
        if (load) LuaNative.EnsureLoaded();
        IntPtr lua = LuaNative.Handle;
        if (lua == IntPtr.Zero || OperatingSystem.IsWindows() || !NativeLibrary.TryGetExport(lua, "setlocale", out IntPtr export))
        {
            return null;
        }

        // LC_COLLATE is 3 in glibc, musl and bionic, 1 in the BSDs' C libraries and Apple's.
        int category = OperatingSystem.IsLinux() || OperatingSystem.IsAndroid() ? 3 : 1;
        IntPtr argument = name is null ? IntPtr.Zero : Marshal.StringToCoTaskMemUTF8(name);
        try
        {
            IntPtr set = Marshal.GetDelegateForFunctionPointer<SetLocale>(export)(category, argument);
            return set == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(set);
        }
        finally
        {
            Marshal.FreeCoTaskMem(argument);
        }
    }

    /// <summary>Throws unless the collation <paramref name="lua"/> compares strings with is byte order (before any script code runs).</summary>
    /// <exception cref="LuaCollationException">It is not, or is not known to be.</exception>
    public static void ThrowUnlessByteOrder(Lua lua)
    {
        if (QueryName() is { } name && name is not ("C" or "POSIX"))
        {
            throw new LuaCollationException(name);
        }

        foreach (var (left, right) in Probes)
        {
            lua.PushString(left);
            lua.PushString(right);
            bool less = lua.Compare(-2, -1, LuaCompare.LessThen);
            lua.Pop(2);
            if (less != (string.CompareOrdinal(left, right) < 0))
            {
                throw new LuaCollationException(null, $"not byte order (\"{left}\" {(less ? "<" : ">=")} \"{right}\" in the script's Lua)");
            }
        }
    }
}
