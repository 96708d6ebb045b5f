using System.Numerics;
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
/// code that pushes values never sees a refusal. What the host pushes is bounded before it is built instead
/// (every string by <see cref="LuaScriptOptions.MaxLuaStringBytes"/>, <c>LuaValues.Push</c>), so the overshoot is
/// bounded too, and the script's next allocation fails.
/// <para>
/// Growth is also work: a library call that builds a long string (<c>string.upper</c>, <c>string.sub</c>, a
/// concatenation) copies it in C, one VM instruction however long it is. So while enforcing, every
/// <see cref="MeterChunkBytes"/> of growth is handed to <see cref="Meter"/>, which charges it to the running entry;
/// once that says the entry is spent, every growth is refused (fast, as a memory error) until <see cref="Rearm"/>, and
/// the count hook aborts the entry at its next check.
/// </para>
/// <para>
/// Comparing two strings is one VM instruction whose time grows with their length without allocating, so the count hook
/// must run more often while long strings live (<see cref="LongestString"/>). Lua allocates a string in one block, made
/// with the object kind <c>LUA_TSTRING</c>, so the allocator sees every string's length: it refuses one longer than
/// <see cref="MaxStringBytes"/> while script code runs, and keeps the blocks of strings of at least
/// <see cref="TrackedStringBytes"/> (at most <see cref="Limit"/> / that many), counted by size class, until they are freed.
/// </para>
/// </remarks>
internal sealed class LuaMemory
{
    /// <summary>How much growth is gathered before it is charged (fewer calls into the meter for small allocations).</summary>
    public const long MeterChunkBytes = 64 * 1024;

    // The object kind Lua passes as osize when it creates a string (short or long).
    private const int LuaTString = 4;

    /// <summary>A string's block minus its bytes: TString's header up to its contents, and the terminating NUL.</summary>
    public static readonly long StringOverheadBytes = (2 * IntPtr.Size) + 8 + 1;

    private readonly HashSet<IntPtr> _longStrings = new();
    private readonly int[] _longStringsBySize = new int[64];
    private int _longestSize = -1;
    private long unmetered;
    private bool stopped;

    public LuaMemory(long limit, long maxStringBytes = long.MaxValue / 2, long trackedStringBytes = 1024)
    {
        Limit = limit;
        MaxStringBytes = maxStringBytes;
        TrackedStringBytes = Math.Max(1, trackedStringBytes);
        Allocator = Allocate;
    }

    /// <summary>The longest string script code may create, in bytes (<see cref="LuaScriptOptions.MaxLuaStringBytes"/>).</summary>
    public long MaxStringBytes { get; }

    /// <summary>Strings whose block is at least this long are kept track of for <see cref="LongestString"/>.</summary>
    public long TrackedStringBytes { get; }

    /// <summary>
    /// At least the block size of the longest live string that is kept track of (the next power of two above it), zero when
    /// none is; what one comparison may read.
    /// </summary>
    public long LongestString => _longestSize < 0 ? 0 : 1L << (_longestSize + 1);

    /// <summary>The length of the last string refused for <see cref="MaxStringBytes"/> since <see cref="Rearm"/>; zero when none was.</summary>
    public long RefusedString { get; private set; }

    /// <summary>
    /// Called when a string longer than any other live one was just created while script code runs (so the running thread's
    /// count hook can be tightened at once). It must not call into Lua beyond <c>lua_sethook</c> and its getters.
    /// </summary>
    public Action? LongerString { get; set; }

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

    /// <summary>
    /// Charges bytes of growth to the running entry; true once the entry is past its budget. It must not call into
    /// Lua: it runs inside the allocator.
    /// </summary>
    public Func<long, bool>? Meter { get; set; }

    /// <summary>Forgets a spent entry's refusal and its unmetered growth (the host calls it before each resume).</summary>
    public void Rearm()
    {
        stopped = false;
        unmetered = 0;
        RefusedString = 0;
    }

    private IntPtr Allocate(IntPtr ud, IntPtr ptr, UIntPtr osize, UIntPtr nsize)
    {
        // With ptr null, osize is the kind of object being created, not a size.
        long oldSize = ptr == IntPtr.Zero ? 0 : (long)(ulong)osize;
        long newSize = (long)(ulong)nsize;
        if (oldSize >= TrackedStringBytes)
        {
            Forget(ptr, oldSize);
        }

        if (newSize == 0)
        {
            if (ptr != IntPtr.Zero)
            {
                Marshal.FreeHGlobal(ptr);
                Used -= oldSize;
            }

            return IntPtr.Zero;
        }

        bool isString = ptr == IntPtr.Zero && (ulong)osize == LuaTString;
        if (Enforcing && isString && newSize - StringOverheadBytes > MaxStringBytes)
        {
            RefusedString = newSize - StringOverheadBytes;
            Refused++;
            return IntPtr.Zero;
        }

        // Lua requires shrinking to succeed; only growth can be refused.
        if (Enforcing && newSize > oldSize && (stopped || Used - oldSize + newSize > Limit || OverMeter(newSize - oldSize)))
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
        if (isString && newSize >= TrackedStringBytes)
        {
            Track(result, newSize);
        }

        return result;
    }

    private void Track(IntPtr block, long size)
    {
        if (!_longStrings.Add(block))
        {
            return;
        }

        int sizeClass = BitOperations.Log2((ulong)size);
        _longStringsBySize[sizeClass]++;
        if (sizeClass > _longestSize)
        {
            _longestSize = sizeClass;
            if (Enforcing)
            {
                LongerString?.Invoke();
            }
        }
    }

    // A freed (or moved: strings never are) block that held a tracked string.
    private void Forget(IntPtr block, long size)
    {
        if (block == IntPtr.Zero || !_longStrings.Remove(block))
        {
            return;
        }

        int sizeClass = BitOperations.Log2((ulong)size);
        if (--_longStringsBySize[sizeClass] == 0 && sizeClass == _longestSize)
        {
            while (_longestSize >= 0 && _longStringsBySize[_longestSize] == 0)
            {
                _longestSize--;
            }
        }
    }

    // Gathers growth and charges it a chunk at a time; true (and refusing from then on) once the entry is spent.
    private bool OverMeter(long growth)
    {
        unmetered += growth;
        if (unmetered < MeterChunkBytes || Meter is not { } meter)
        {
            return false;
        }

        long bytes = unmetered;
        unmetered = 0;
        stopped = meter(bytes);
        return stopped;
    }
}
