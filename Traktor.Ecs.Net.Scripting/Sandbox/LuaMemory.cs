using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KeraLua;
using Traktor.Ecs.Net.Scripting.Runtime;

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
/// must run more often while long strings live (<see cref="ComparisonCost"/>). Lua allocates a string in one block, made
/// with the object kind <c>LUA_TSTRING</c>, so the allocator sees every string's length: it refuses one longer than
/// <see cref="MaxStringBytes"/> while script code runs, and keeps the blocks of strings of at least
/// <see cref="TrackedStringBytes"/> (at most <see cref="Limit"/> / that many), counted by cost class, until they are freed.
/// </para>
/// <para>
/// What a comparison costs depends on the bytes, not only the length: Lua's <c>l_strcmp</c> calls <c>strcoll</c> once per
/// NUL-separated piece, and one call costs about as much as reading <see cref="NulFreeBytesPerPiece"/> (64) bytes several
/// times over (docs/benchmarks.md, "What comparing long strings costs"). So a string's cost, in pieces, is its NULs plus one
/// plus its other bytes over 64. A string is created with unknown bytes (Lua copies them in after the allocator returns), so
/// it counts as all NULs, the worst, until <see cref="Measure"/> reads it once; the host calls that between instructions.
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

    /// <summary>
    /// Where a string's bytes start in its block by Lua 5.4's <c>TString</c>: a pointer (<c>next</c>), four bytes (<c>tt</c>,
    /// <c>marked</c>, <c>extra</c>, <c>shrlen</c>), an <c>unsigned int</c> (<c>hash</c>), then a union of <c>size_t</c> and a pointer
    /// (<c>u</c>). <see cref="FindContentOffset"/> checks it against a string Lua made before any string is read.
    /// </summary>
    public static readonly long ExpectedContentOffset = (2 * IntPtr.Size) + 8;

    /// <summary>
    /// How many bytes other than NUL count as one piece in <see cref="ComparisonCost"/>: one <c>strcoll</c> call for a piece
    /// cost as much as reading about 165 such bytes on the machine measured (docs/benchmarks.md); 64 leaves a margin.
    /// </summary>
    public const long NulFreeBytesPerPiece = 64;

    // Strings created but not yet measured are listed up to this many; past it the next Measure reads every tracked string
    // not yet measured (once per overflow, so at most one pass over them per MaxUnmeasured strings created).
    private const int MaxUnmeasured = 4096;

    // How long the string FindContentOffset makes is: short, so it costs next to nothing while it waits for the collector
    // (it is tracked whatever TrackedStringBytes is, then forgotten), and longer than Lua's short strings (40 bytes), so it
    // is a block of its own rather than one interned earlier.
    private const int ProbeBytes = 128;

    // Cost classes: four per power of two, so a class's upper bound overstates the costs in it by at most 25 %.
    private const int ClassesPerOctave = 4;

    private readonly Dictionary<IntPtr, TrackedString> _longStrings = new();
    private readonly List<IntPtr> _unmeasured = new();
    private readonly int[] _longStringsByCost = new int[64 * ClassesPerOctave];
    private readonly byte[] _readBuffer = new byte[16 * 1024];
    private int _costliestClass = -1;
    private IntPtr _lastString;
    private long unmetered;
    private bool stopped;
    private bool _unmeasuredOverflowed;
    private bool _probing;

    public LuaMemory(long limit, long maxStringBytes = long.MaxValue / 2, long trackedStringBytes = 1024)
    {
        Limit = limit;
        MaxStringBytes = maxStringBytes;
        TrackedStringBytes = Math.Max(1, trackedStringBytes);
        Allocator = Allocate;
    }

    /// <summary>The longest string script code may create, in bytes (<see cref="LuaScriptOptions.MaxLuaStringBytes"/>).</summary>
    public long MaxStringBytes { get; }

    /// <summary>Strings whose block is at least this long are kept track of for <see cref="ComparisonCost"/>.</summary>
    public long TrackedStringBytes { get; }

    /// <summary>
    /// At least the cost, in pieces (see the remarks), of the costliest live string that is kept track of (its class's upper
    /// bound), zero when none is; what one comparison may cost.
    /// </summary>
    public long ComparisonCost => _costliestClass < 0 ? 0 : UpperBound(_costliestClass);

    /// <summary>
    /// Where a string's bytes start in its block (<see cref="ExpectedContentOffset"/>), once <see cref="FindContentOffset"/>
    /// confirmed it; -1 before, or when this Lua's layout differs: then no string is measured and each counts as all NULs.
    /// </summary>
    public long ContentOffset { get; private set; } = -1;

    /// <summary>The length of the last string refused for <see cref="MaxStringBytes"/> since <see cref="Rearm"/>; zero when none was.</summary>
    public long RefusedString { get; private set; }

    /// <summary>
    /// Called when a string costlier than any other live one was just created while script code runs (so the running thread's
    /// count hook can be tightened at once). It must not call into Lua beyond <c>lua_sethook</c> and its getters.
    /// </summary>
    public Action? CostlierString { get; set; }

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
        if (isString && (newSize >= TrackedStringBytes || _probing))
        {
            Track(result, newSize);
        }

        return result;
    }

    // A new string's bytes are not there yet: it counts as all NULs (each byte a piece; its block is longer) until measured.
    private void Track(IntPtr block, long size)
    {
        int costClass = CostClass(size);
        if (!_longStrings.TryAdd(block, new TrackedString(size, costClass, Measured: false)))
        {
            return;
        }

        _lastString = block;
        if (ContentOffset >= 0)
        {
            if (_unmeasured.Count < MaxUnmeasured)
            {
                _unmeasured.Add(block);
            }
            else
            {
                _unmeasuredOverflowed = true;
            }
        }

        _longStringsByCost[costClass]++;
        if (costClass > _costliestClass)
        {
            _costliestClass = costClass;
            if (Enforcing)
            {
                CostlierString?.Invoke();
            }
        }
    }

    // A freed (or moved: strings never are) block that held a tracked string.
    private void Forget(IntPtr block, long size)
    {
        if (block == IntPtr.Zero || !_longStrings.Remove(block, out var tracked))
        {
            return;
        }

        _longStringsByCost[tracked.CostClass]--;
        LowerCostliest();
    }

    private void LowerCostliest()
    {
        while (_costliestClass >= 0 && _longStringsByCost[_costliestClass] == 0)
        {
            _costliestClass--;
        }
    }

    /// <summary>
    /// Reads the strings created since the last call and counts each at what comparing it costs (<see cref="ComparisonCost"/>
    /// may drop). Only between VM instructions (from the count hook, <c>enter</c> or before a resume), never from the
    /// allocator: a string's bytes are complete once the instruction that made it is over. (The one place Lua fills a
    /// string across calls back into Lua, loading a binary chunk through a reader function, is shut: loads are text only.)
    /// </summary>
    public void Measure()
    {
        if (_unmeasuredOverflowed)
        {
            // More strings were made than listed: those past the list are found among all the tracked ones.
            foreach (var (block, _) in _longStrings)
            {
                MeasureOne(block);
            }

            _unmeasuredOverflowed = false;
        }
        else if (_unmeasured.Count == 0)
        {
            return;
        }
        else
        {
            foreach (var block in _unmeasured)
            {
                MeasureOne(block);
            }
        }

        _unmeasured.Clear();
        LowerCostliest();
    }

    // Reads a tracked string not yet measured and moves it to its cost's class. Freed since (and maybe reused), listed
    // twice or measured already: nothing. The entry is changed in place, which does not disturb a walk of the dictionary.
    private void MeasureOne(IntPtr block)
    {
        ref var tracked = ref CollectionsMarshal.GetValueRefOrNullRef(_longStrings, block);
        if (Unsafe.IsNullRef(ref tracked) || tracked.Measured)
        {
            return;
        }

        int costClass = CostClass(Cost(block, tracked.Size));
        _longStringsByCost[tracked.CostClass]--;
        _longStringsByCost[costClass]++;
        tracked = tracked with { CostClass = costClass, Measured = true };
    }

    /// <summary>
    /// Finds where a string's bytes start in its block from one string made on <paramref name="lua"/> (before any script
    /// code runs) and sets <see cref="ContentOffset"/> only when that is <see cref="ExpectedContentOffset"/>, the bytes there
    /// are the string's and its terminating NUL follows them.
    /// </summary>
    public void FindContentOffset(Lua lua)
    {
        // Short, and tracked only while it is made: a probe as long as TrackedStringBytes (4 MiB with HookInterval 1) would
        // stay in the state until collected, so Peak would start above it and, with a small Limit, the script's first
        // allocations would be refused.
        const int length = ProbeBytes;
        var probe = new byte[length];
        for (int i = 0; i < length; i++)
        {
            probe[i] = (byte)('a' + (i % 26));
        }

        _lastString = IntPtr.Zero;
        _probing = true;
        try
        {
            lua.PushBuffer(probe);
        }
        finally
        {
            _probing = false;
        }

        IntPtr block = _lastString;
        IntPtr bytes = LuaNative.lua_tolstring(lua.Handle, -1, out UIntPtr pushed);
        bool found = block != IntPtr.Zero
            && bytes - block == ExpectedContentOffset
            && (ulong)pushed == (ulong)length
            && _longStrings[block].Size == length + StringOverheadBytes
            && Marshal.ReadByte(bytes, length) == 0;
        if (found)
        {
            Marshal.Copy(bytes, _readBuffer, 0, length);
            found = _readBuffer.AsSpan(0, length).SequenceEqual(probe);
        }

        ContentOffset = found ? ExpectedContentOffset : -1;
        if (block != IntPtr.Zero)
        {
            // Shorter than TrackedStringBytes maybe, so its free would not reach Forget: forgotten now (it costs next to nothing).
            Forget(block, length + StringOverheadBytes);
        }

        lua.Pop(1);
    }

    // A string's comparison cost in pieces: its NULs plus one, plus its other bytes over NulFreeBytesPerPiece (rounded up).
    private long Cost(IntPtr block, long size)
    {
        long length = size - StringOverheadBytes;
        long nuls = 0;
        for (long read = 0; read < length;)
        {
            int chunk = (int)Math.Min(_readBuffer.Length, length - read);
            Marshal.Copy(block + (nint)(ContentOffset + read), _readBuffer, 0, chunk);
            nuls += _readBuffer.AsSpan(0, chunk).Count((byte)0);
            read += chunk;
        }

        return nuls + 1 + ((length - nuls + NulFreeBytesPerPiece - 1) / NulFreeBytesPerPiece);
    }

    private static int CostClass(long cost)
    {
        int octave = BitOperations.Log2((ulong)Math.Max(1, cost));
        int step = octave >= 2 ? (int)(cost >> (octave - 2)) & (ClassesPerOctave - 1) : 0;
        return (octave * ClassesPerOctave) + step;
    }

    // The most a cost in the class can be (exclusive).
    private static long UpperBound(int costClass)
    {
        int octave = costClass / ClassesPerOctave;
        int step = costClass % ClassesPerOctave;
        return octave >= 2 ? (ClassesPerOctave + step + 1L) << (octave - 2) : 2L << octave;
    }

    private readonly record struct TrackedString(long Size, int CostClass, bool Measured);

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
