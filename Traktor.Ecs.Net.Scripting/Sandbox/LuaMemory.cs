using System.Runtime.InteropServices;
using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Sandbox;

/// <summary>
/// The allocator of one Lua state: counts its bytes and refuses growth past <see cref="Limit"/> while
/// script code runs, which Lua turns into a "not enough memory" error raised inside the VM.
/// </summary>
/// <remarks>
/// The limit is enforced only while <see cref="Enforcing"/> is set (the host sets it around each resume
/// and clears it inside its own callbacks). A refused allocation makes Lua raise an error, and an error
/// raised while a C# frame is on the stack would longjmp across it, which .NET does not allow; so host
/// code that pushes values never sees a refusal. What the host pushes is bounded by its own limits (an
/// HTTP body by <see cref="LuaScriptOptions.MaxHttpResponseBytes"/>), so the overshoot is bounded too,
/// and the script's next allocation fails.
/// </remarks>
internal sealed class LuaMemory
{
    public LuaMemory(long limit)
    {
        Limit = limit;
        Allocator = Allocate;
    }

    /// <summary>The allocator delegate handed to <c>lua_newstate</c>; this field keeps it alive.</summary>
    public LuaAlloc Allocator { get; }

    /// <summary>The most the state may hold while script code runs, in bytes.</summary>
    public long Limit { get; }

    /// <summary>Bytes currently allocated by the state.</summary>
    public long Used { get; private set; }

    /// <summary>The highest <see cref="Used"/> seen, in bytes.</summary>
    public long Peak { get; private set; }

    /// <summary>Allocations refused because of the limit.</summary>
    public long Refused { get; private set; }

    /// <summary>Whether growth past the limit is refused now (script code is running).</summary>
    public bool Enforcing { get; set; }

    private IntPtr Allocate(IntPtr ud, IntPtr ptr, UIntPtr osize, UIntPtr nsize)
    {
        // With ptr null, osize is the kind of object being created, not a size.
        long oldSize = ptr == IntPtr.Zero ? 0 : (long)(ulong)osize;
        long newSize = (long)(ulong)nsize;
        if (newSize == 0)
        {
            if (ptr != IntPtr.Zero)
            {
                Marshal.FreeHGlobal(ptr);
                Used -= oldSize;
            }

            return IntPtr.Zero;
        }

        // Lua requires shrinking to succeed; only growth can be refused.
        if (Enforcing && newSize > oldSize && Used - oldSize + newSize > Limit)
        {
            Refused++;
            return IntPtr.Zero;
        }

        IntPtr result;
        try
        {
            result = ptr == IntPtr.Zero ? Marshal.AllocHGlobal((nint)newSize) : Marshal.ReAllocHGlobal(ptr, (nint)newSize);
        }
        catch (OutOfMemoryException)
        {
            // No exception may cross into native code; Lua reports the null as a memory error.
            return IntPtr.Zero;
        }

        Used += newSize - oldSize;
        Peak = Math.Max(Peak, Used);
        return result;
    }
}
