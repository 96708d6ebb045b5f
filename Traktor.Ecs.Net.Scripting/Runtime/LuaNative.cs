using System.Reflection;
using System.Runtime.InteropServices;
using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>
/// The native Lua library, found once when the first script loads, and the one Lua C function the host calls itself:
/// KeraLua reads a string only by copying all of it, and a string a script raises can be megabytes long (its memory
/// limit's worth) however little of it the host keeps.
/// </summary>
internal static class LuaNative
{
    // The name this assembly imports; the resolver maps it to the library KeraLua itself uses on this platform.
    private const string Library = "lua54";

    private static readonly Lock Gate = new();
    private static IntPtr _handle;

    /// <summary>
    /// The names KeraLua's native library has here (its runtimes folder: liblua54.so, lua54.dll, liblua54.dylib, and
    /// on iOS, tvOS and Mac Catalyst a framework KeraLua imports by its rpath), tried in order.
    /// </summary>
    internal static string[] Names { get; } = OperatingSystem.IsIOS() || OperatingSystem.IsTvOS() || OperatingSystem.IsMacCatalyst()
        ? ["@rpath/liblua54.framework/liblua54", Library]
        : OperatingSystem.IsAndroid() ? ["liblua54.so", Library] : [Library];

    /// <summary>
    /// Loads the native library if no script has yet, so a platform without it fails when a script loads, with a
    /// <see cref="LuaNativeLibraryException"/> that says so, instead of a <see cref="DllNotFoundException"/> from inside
    /// KeraLua or at this class's first call in the middle of a tick.
    /// </summary>
    public static void EnsureLoaded()
    {
        if (Volatile.Read(ref _handle) != IntPtr.Zero) return;
        lock (Gate)
        {
            if (_handle != IntPtr.Zero) return;
            var handle = Load(Names);
            NativeLibrary.SetDllImportResolver(typeof(LuaNative).Assembly, Resolve);
            Volatile.Write(ref _handle, handle);
        }
    }

    /// <summary>
    /// The first of <paramref name="names"/> that loads the way KeraLua's own imports do (its assembly's native assets)
    /// and exports what both KeraLua and this class call.
    /// </summary>
    /// <exception cref="LuaNativeLibraryException">None does.</exception>
    internal static IntPtr Load(IReadOnlyList<string> names)
    {
        Exception? last = null;
        foreach (var name in names)
        {
            IntPtr handle;
            try
            {
                handle = NativeLibrary.Load(name, typeof(Lua).Assembly, null);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                last = e;
                continue;
            }
            if (NativeLibrary.TryGetExport(handle, "luaL_newstate", out _) && NativeLibrary.TryGetExport(handle, "lua_tolstring", out _)) return handle;
            last = new EntryPointNotFoundException($"'{name}' loaded but does not export the Lua 5.4 C API (luaL_newstate, lua_tolstring).");
        }
        throw new LuaNativeLibraryException(names, RuntimeInformation.RuntimeIdentifier, last);
    }

    /// <summary>The loaded library's handle (zero before <see cref="EnsureLoaded"/>): its imports, such as the C library's, are found through it.</summary>
    internal static IntPtr Handle => Volatile.Read(ref _handle);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) => name == Library ? _handle : IntPtr.Zero;

    /// <summary>
    /// <c>lua_tolstring</c>: a pointer to the bytes of the string at <paramref name="index"/> and its length, without a copy.
    /// Only for a value that is a string (then it neither converts, allocates nor raises).
    /// </summary>
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr lua_tolstring(IntPtr state, int index, out UIntPtr length);

    /// <summary>
    /// <c>lua_pushlstring</c>: pushes a copy of <paramref name="length"/> bytes from <paramref name="bytes"/> (pinned for the
    /// call), as KeraLua's <c>PushBuffer</c> does from an array; it raises only a memory error, which the host's pushes never
    /// meet (<see cref="Sandbox.LuaMemory.Enforcing"/> is off while the host pushes).
    /// </summary>
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr lua_pushlstring(IntPtr state, ref byte bytes, UIntPtr length);

    /// <summary><c>lua_tothread</c>: the thread at <paramref name="index"/>, or zero when the value is not one.</summary>
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr lua_tothread(IntPtr state, int index);

    /// <summary>
    /// <c>lua_sethook</c>: sets a thread's hook. It neither allocates nor raises, and may be called while the thread runs
    /// (from its own hook, or from the allocator in the middle of an instruction): the next count starts from <paramref name="count"/>.
    /// </summary>
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void lua_sethook(IntPtr state, IntPtr hook, int mask, int count);

    /// <summary><c>lua_gethook</c>: the thread's hook function (the debug library's dispatcher for <c>debug.sethook</c>).</summary>
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    [SuppressGCTransition] // a field read: the count hook asks it every few instructions while costly strings live
    public static extern IntPtr lua_gethook(IntPtr state);

    /// <summary><c>lua_gethookmask</c>: the thread's hook mask.</summary>
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    [SuppressGCTransition] // a field read: the count hook asks it every few instructions while costly strings live
    public static extern int lua_gethookmask(IntPtr state);

    /// <summary><c>lua_gethookcount</c>: the thread's count hook interval, in instructions.</summary>
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    [SuppressGCTransition] // a field read: the count hook asks it every few instructions while costly strings live
    public static extern int lua_gethookcount(IntPtr state);
}
