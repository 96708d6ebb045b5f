using System.Runtime.InteropServices;
using KeraLua;
using Traktor.Ecs.Net.Scripting.Runtime;

namespace Traktor.Ecs.Net.Scripting.Sandbox;

/// <summary>
/// Checks that Lua's <c>strcoll</c> compares in byte order, which the string comparison cost model of
/// <see cref="LuaMemory"/> assumes: in a linguistic collation one comparison reads every byte through the locale's tables,
/// 7 to 150 ns a byte on glibc 2.36 (ja_JP.UTF-8 on CJK text the slowest measured) against 0.04 ns a byte and 6 to 24 ns a
/// NUL-separated piece in "C", and that cost depends on the locale and the bytes in ways no bound here covers.
/// </summary>
/// <remarks>
/// Two questions, both asked of what the script's Lua uses: the C library Lua is linked against names its <c>LC_COLLATE</c>
/// (found through the Lua library's own imports, so the same C library state; on Windows, where a DLL's imports cannot be
/// looked up that way, this part is skipped), and the Lua state orders a few pairs of strings whose order differs between
/// byte order and the linguistic collations (case, punctuation, a letter past ASCII). "C" and "POSIX" pass the first, and
/// "C.UTF-8" when the C library is glibc 2.35 or later: from that release glibc's C.UTF-8 collates by code point with
/// <c>strcmp</c> itself (measured on 2.36: as fast as "C" a byte), which for UTF-8 is byte order; older builds of it (distribution
/// patches) were table driven and were not measured. The name is asked again before every run of script code
/// (<see cref="IsStillByteOrder"/>), without allocating, so a <c>setlocale</c> after a script loaded stops its next entry.
/// What is cached (the resolved <c>setlocale</c> and whether the C library's C.UTF-8 is byte order) is process-wide on
/// purpose: the C library and its locale are one per process, shared by every Lua state and thread, so per-state caches
/// would only ask the same question again; the locale's name itself is never cached.
/// </remarks>
internal static class LuaCollation
{
    // Pairs whose order in "C" (by bytes) differs from a linguistic collation's: an upper case letter sorts before every
    // lower case one, punctuation by its code rather than ignored or after letters, and "é" (bytes C3 A9) after "z".
    private static readonly (string Left, string Right)[] Probes =
        [("B", "a"), ("a", "B"), ("Z", "a"), ("-b", "a-"), ("a-", "-b"), ("A", "a"), ("a", "A"), ("\u00e9", "z"), ("z", "\u00e9")];

    /// <summary>The first glibc whose C.UTF-8 collates with <c>strcmp</c> (its <c>codepoint_collation</c>).</summary>
    private static readonly Version CodePointCUtf8 = new(2, 35);

    // LC_COLLATE is 3 in glibc, musl and bionic, 1 in the BSDs' C libraries and Apple's.
    private static readonly int Category = OperatingSystem.IsLinux() || OperatingSystem.IsAndroid() ? 3 : 1;

    // setlocale and whether C.UTF-8 is byte order, resolved once from the Lua library's C library (null: it cannot be asked).
    private static SetLocale? _setLocale;
    private static bool _resolved;
    private static bool _cUtf8IsByteOrder;

    private delegate IntPtr SetLocale(int category, IntPtr locale);

    private delegate IntPtr GetLibcVersion();

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

    /// <summary>
    /// The glibc release the Lua library is linked against (<c>gnu_get_libc_version</c>), or null for another C library or
    /// where it cannot be asked.
    /// </summary>
    internal static Version? GlibcVersion()
    {
        IntPtr lua = LuaNative.Handle;
        if (lua == IntPtr.Zero || OperatingSystem.IsWindows() || !NativeLibrary.TryGetExport(lua, "gnu_get_libc_version", out IntPtr export))
        {
            return null;
        }

        string? text = Marshal.PtrToStringUTF8(Marshal.GetDelegateForFunctionPointer<GetLibcVersion>(export)());
        // "2.36"; a vendor's suffix ("2.35-0ubuntu3") does not count.
        int end = text?.IndexOfAny(['-', ' ', '+']) ?? -1;
        return Version.TryParse(end > 0 ? text![..end] : text, out var version) ? version : null;
    }

    /// <summary>
    /// Whether <paramref name="name"/> collates in byte order: "C" and "POSIX" everywhere, "C.UTF-8" (any spelling of
    /// the codeset glibc accepts) from glibc 2.35 on.
    /// </summary>
    internal static bool IsByteOrder(string name, Version? glibc)
    {
        Span<byte> bytes = stackalloc byte[32];
        return System.Text.Encoding.UTF8.TryGetBytes(name, bytes, out int written)
            && IsByteOrder(bytes[..written], glibc is not null && glibc >= CodePointCUtf8);
    }

    /// <summary>
    /// Asked before every run of script code: whether the C library's <c>LC_COLLATE</c> is still one
    /// <see cref="ThrowUnlessByteOrder"/> accepts. It reads the name in place (no allocation, a few ns on top of the call);
    /// true where it cannot be asked (Windows), as at load.
    /// </summary>
    public static bool IsStillByteOrder()
    {
        if (Resolve() is not { } setLocale)
        {
            return true;
        }

        IntPtr name = setLocale(Category, IntPtr.Zero);
        if (name == IntPtr.Zero)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[32];
        int length = 0;
        for (byte b; length < bytes.Length && (b = Marshal.ReadByte(name, length)) != 0; length++)
        {
            bytes[length] = b;
        }

        return length < bytes.Length && IsByteOrder(bytes[..length], _cUtf8IsByteOrder);
    }

    /// <summary>Throws unless the collation <paramref name="lua"/> compares strings with is byte order (before any script code runs).</summary>
    /// <exception cref="LuaCollationException">It is not, or is not known to be.</exception>
    public static void ThrowUnlessByteOrder(Lua lua)
    {
        Resolve();
        if (QueryName() is { } name && !IsByteOrder(name, GlibcVersion()))
        {
            throw new LuaCollationException(name);
        }

        foreach (var (left, right) in Probes)
        {
            LuaValues.PushString(lua, left); // UTF-8, as scripts' strings are (KeraLua's own PushString encodes ASCII)
            LuaValues.PushString(lua, right);
            bool less = lua.Compare(-2, -1, LuaCompare.LessThen);
            lua.Pop(2);
            if (less != (string.CompareOrdinal(left, right) < 0))
            {
                throw new LuaCollationException(null, $"not byte order (\"{left}\" {(less ? "<" : ">=")} \"{right}\" in the script's Lua)");
            }
        }
    }

    /// <summary>What a script's entry reports when <see cref="IsStillByteOrder"/> said no (the failure path: it may allocate).</summary>
    internal static string ChangedMessage(string entry) =>
        $"the process's LC_COLLATE is {(QueryName() is { } name ? $"\"{name}\"" : "unknown")} since the script loaded (native code called "
        + "setlocale): the sandbox bounds what a string comparison costs for byte order only, so no script code runs until it is "
        + $"\"C\" again (setlocale(LC_COLLATE, \"C\")); '{entry}' did not run";

    private static bool IsByteOrder(ReadOnlySpan<byte> name, bool cUtf8IsByteOrder)
    {
        if (name.SequenceEqual("C"u8) || name.SequenceEqual("POSIX"u8))
        {
            return true;
        }

        if (!cUtf8IsByteOrder || !name.StartsWith("C."u8))
        {
            return false;
        }

        // glibc normalizes a codeset by dropping what is not a letter or digit and lowering the letters: "UTF-8", "utf8", "UTF8".
        ReadOnlySpan<byte> utf8 = "utf8"u8;
        int matched = 0;
        foreach (byte b in name[2..])
        {
            if (!char.IsAsciiLetterOrDigit((char)b))
            {
                continue;
            }

            if (matched == utf8.Length || (byte)char.ToLowerInvariant((char)b) != utf8[matched])
            {
                return false;
            }

            matched++;
        }

        return matched == utf8.Length;
    }

    private static SetLocale? Resolve()
    {
        if (Volatile.Read(ref _resolved))
        {
            return _setLocale;
        }

        IntPtr lua = LuaNative.Handle;
        if (lua == IntPtr.Zero)
        {
            return null; // not loaded yet: asked again once it is
        }

        if (!OperatingSystem.IsWindows() && NativeLibrary.TryGetExport(lua, "setlocale", out IntPtr export))
        {
            _setLocale = Marshal.GetDelegateForFunctionPointer<SetLocale>(export);
        }

        _cUtf8IsByteOrder = GlibcVersion() is { } glibc && glibc >= CodePointCUtf8;
        Volatile.Write(ref _resolved, true); // after the two above: another thread that sees it sees them

        return _setLocale;
    }

    private static string? SetLocaleCollate(string? name, bool load)
    {
        if (load) LuaNative.EnsureLoaded();
        if (Resolve() is not { } setLocale)
        {
            return null;
        }

        IntPtr argument = name is null ? IntPtr.Zero : Marshal.StringToCoTaskMemUTF8(name);
        try
        {
            IntPtr set = setLocale(Category, argument);
            return set == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(set);
        }
        finally
        {
            Marshal.FreeCoTaskMem(argument);
        }
    }
}
