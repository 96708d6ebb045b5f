using KeraLua;
using Traktor.Ecs.Net.Scripting.Runtime;

namespace Traktor.Ecs.Net.Scripting.Sandbox;

/// <summary>
/// The host side of the sandbox's string.find/match/gmatch/gsub (Sandbox/patterns.lua): one budgeted
/// <see cref="LuaPattern"/> scan per call, charged to the running entry's instruction budget.
/// </summary>
/// <remarks>
/// Lua calls it as <c>scan(subject, pattern, init, mode, lastMatch)</c> with checked arguments
/// (<c>init</c> 1-based and at most <c>#subject + 1</c>; <c>mode</c> one of the <c>Mode*</c> values;
/// <c>lastMatch</c> the previous match's end or -1). It answers <c>1, start, end, count, (captureStart,
/// captureLength)…</c> for a match (1-based, <c>end</c> inclusive, <c>captureLength</c> -2 for a position
/// capture), <c>0</c> for none, <c>-1, message</c> for a malformed pattern and <c>-2</c> when the budget
/// ran out. It never raises a Lua error (a longjmp across .NET frames) and never throws. The subject's
/// bytes are copied once and kept (anchored in the registry) while the same string is scanned again, so a
/// gmatch or gsub loop over a long string copies it once.
/// </remarks>
internal sealed class PatternScanner(LuaScript script)
{
    /// <summary>string.find: a pattern without special characters is searched plainly.</summary>
    public const int ModeFind = 0;

    /// <summary>string.find with plain = true.</summary>
    public const int ModePlain = 1;

    /// <summary>string.match and string.gsub: a leading ^ anchors.</summary>
    public const int ModeMatch = 2;

    /// <summary>string.gmatch: a leading ^ is an ordinary character.</summary>
    public const int ModeIterate = 3;

    // Lua's LUA_NOREF.
    private const int NoReference = -2;

    private readonly LuaPattern _pattern = new();
    private readonly CachedString _subject = new();
    private readonly CachedString _patternText = new();

    /// <summary>The Lua-callable function.</summary>
    public int Scan(IntPtr state)
    {
        var lua = Lua.FromIntPtr(state);
        var memory = script.Memory;
        bool enforcing = memory.Enforcing;
        memory.Enforcing = false;
        try
        {
            return Scan(lua);
        }
        catch (Exception e)
        {
            lua.SetTop(5);
            lua.PushInteger(-1);
            LuaValues.PushString(lua, e.Message);
            return 2;
        }
        finally
        {
            memory.Enforcing = enforcing;
        }
    }

    private int Scan(Lua lua)
    {
        if (lua.Type(1) != LuaType.String || lua.Type(2) != LuaType.String || !lua.IsInteger(3) || !lua.IsInteger(4) || !lua.IsInteger(5))
        {
            throw new InvalidOperationException("sandbox: bad arguments to the pattern scanner");
        }

        var entries = script.Entries;
        long copying = Read(lua, 1, _subject) + Read(lua, 2, _patternText);
        if (entries.Charge(lua, copying))
        {
            lua.PushInteger(-2);
            return 1;
        }

        int length = _subject.Length;
        long init = lua.ToInteger(3) - 1;
        int mode = (int)lua.ToInteger(4);
        long lastMatch = lua.ToInteger(5);
        if (init < 0 || init > length || mode is < ModeFind or > ModeIterate)
        {
            throw new InvalidOperationException("sandbox: bad arguments to the pattern scanner");
        }

        (int Start, int End)? found;
        int captures = 0;
        try
        {
            bool plain = mode == ModePlain || (mode == ModeFind && LuaPattern.HasNoSpecials(_patternText.Bytes.AsSpan(0, _patternText.Length)));
            if (plain)
            {
                int? at = _pattern.FindPlain(_subject.Bytes, length, (int)init, _patternText.Bytes, _patternText.Length, entries.Remaining);
                found = at is { } start ? (start, start + _patternText.Length) : null;
            }
            else
            {
                found = _pattern.Scan(_subject.Bytes, length, _patternText.Bytes, _patternText.Length, (int)init, mode != ModeIterate,
                    (int)Math.Clamp(lastMatch, -1, int.MaxValue), entries.Remaining);
                captures = found is null ? 0 : _pattern.Level;
            }
        }
        catch (PatternBudgetException)
        {
            entries.Charge(lua, _pattern.Steps);
            lua.PushInteger(-2);
            return 1;
        }
        catch (PatternException e)
        {
            entries.Charge(lua, _pattern.Steps);
            lua.PushInteger(-1);
            LuaValues.PushString(lua, e.Message);
            return 2;
        }

        if (entries.Charge(lua, _pattern.Steps))
        {
            lua.PushInteger(-2);
            return 1;
        }

        if (found is not { } match)
        {
            lua.PushInteger(0);
            return 1;
        }

        if (!lua.CheckStack(4 + (2 * captures)))
        {
            throw new InvalidOperationException("sandbox: no stack for the captures");
        }

        lua.PushInteger(1);
        lua.PushInteger(match.Start + 1);
        lua.PushInteger(match.End);
        lua.PushInteger(captures);
        for (int i = 0; i < captures; i++)
        {
            lua.PushInteger(_pattern.CaptureStart(i) + 1);
            lua.PushInteger(_pattern.CaptureLength(i) == LuaPattern.PositionCapture ? -2 : _pattern.CaptureLength(i));
        }

        return 4 + (2 * captures);
    }

    // Copies the string at index into the cache unless it already holds that very string; returns the
    // steps the copy costs (a step per 32 bytes).
    private static long Read(Lua lua, int index, CachedString cache)
    {
        IntPtr identity = lua.ToPointer(index);
        if (cache.Reference != NoReference && identity == cache.Identity)
        {
            return 0;
        }

        if (cache.Reference != NoReference)
        {
            lua.Unref(LuaRegistry.Index, cache.Reference);
            cache.Reference = NoReference;
        }

        byte[] bytes = lua.ToBuffer(index, false) ?? [];
        cache.Bytes = bytes;
        cache.Length = bytes.Length;

        // Anchored, so the address stays this string's for as long as the cache refers to it.
        lua.PushCopy(index);
        cache.Reference = lua.Ref(LuaRegistry.Index);
        cache.Identity = identity;
        return 1 + (bytes.Length / 32);
    }

    private sealed class CachedString
    {
        public int Reference { get; set; } = NoReference;

        public IntPtr Identity { get; set; }

        public byte[] Bytes { get; set; } = [];

        public int Length { get; set; }
    }
}
