namespace Traktor.Ecs.Net.Scripting.Sandbox;

/// <summary>
/// Lua 5.4's pattern matcher (lstrlib.c's <c>match</c> and helpers, same semantics and error messages),
/// with a step budget. The native matcher backtracks without limit inside one C call, where the count
/// hook cannot stop it: <c>("a"):rep(40):find(("a*"):rep(20) .. "b")</c> runs for hours. Here every
/// step (one pattern item tried at one position, one repetition, one bracket-class element, 32 bytes
/// compared) counts, and the match stops when the caller's budget is spent.
/// </summary>
/// <remarks>
/// One instance per Lua state, used from the tick thread only; <see cref="Scan"/> reuses its capture arrays.
/// Positions are 0-based byte offsets into the subject; <see cref="Scan"/> reports the match's start
/// and its exclusive end, and each capture as (start, length) or (position, <see cref="PositionCapture"/>).
/// </remarks>
internal sealed partial class LuaPattern
{
    /// <summary>The capture-length marker of a position capture <c>()</c>.</summary>
    public const int PositionCapture = -2;

    /// <summary>Lua's LUA_MAXCAPTURES.</summary>
    public const int MaxCaptures = 32;

    private const int Unfinished = -1;

    // Lua's MAXCCALLS for patterns: how deep match() may recurse.
    private const int MaxDepth = 200;
    private const byte Escape = (byte)'%';

    private readonly int[] _captureStart = new int[MaxCaptures];
    private readonly int[] _captureLength = new int[MaxCaptures];
    private byte[] _s = [];
    private int _sEnd;
    private byte[] _p = [];
    private int _pEnd;
    private int _depth;
    private long _limit;

    /// <summary>Steps used by the last <see cref="Scan"/> (also when it stopped for the budget).</summary>
    public long Steps { get; private set; }

    /// <summary>Captures of the last successful match.</summary>
    public int Level { get; private set; }

    /// <summary>Where capture <paramref name="i"/> of the last match starts (0-based), or its position for a position capture.</summary>
    public int CaptureStart(int i) => _captureStart[i];

    /// <summary>Capture <paramref name="i"/>'s length, or <see cref="PositionCapture"/>.</summary>
    public int CaptureLength(int i) => _captureLength[i];

    /// <summary>
    /// Looks for the first match of <paramref name="pattern"/> at or after <paramref name="init"/>, as
    /// string.find/match/gmatch/gsub do: tries each start position in turn (only <paramref name="init"/>
    /// when the pattern is anchored) and skips a match whose end equals <paramref name="lastMatch"/> (the
    /// empty match right after the previous one, for gmatch/gsub).
    /// </summary>
    /// <param name="subject">The subject's bytes; <paramref name="subjectLength"/> of them count.</param>
    /// <param name="subjectLength">The subject's length.</param>
    /// <param name="pattern">The pattern's bytes.</param>
    /// <param name="patternLength">The pattern's length.</param>
    /// <param name="init">0-based start, at most <paramref name="subjectLength"/>.</param>
    /// <param name="caretAnchors">Whether a leading <c>^</c> anchors (find, match, gsub; not gmatch).</param>
    /// <param name="lastMatch">The previous match's end, or -1.</param>
    /// <param name="stepLimit">Steps allowed; past it <see cref="PatternBudgetException"/>.</param>
    /// <returns>The match's (start, end), or null.</returns>
    /// <exception cref="PatternException">A malformed pattern, in Lua's words.</exception>
    /// <exception cref="PatternBudgetException">The step limit was reached.</exception>
    public (int Start, int End)? Scan(byte[] subject, int subjectLength, byte[] pattern, int patternLength, int init, bool caretAnchors, int lastMatch, long stepLimit)
    {
        _s = subject;
        _sEnd = subjectLength;
        _p = pattern;
        _pEnd = patternLength;
        _limit = stepLimit;
        Steps = 0;
        int p = 0;
        bool anchor = caretAnchors && _pEnd > 0 && _p[0] == (byte)'^';
        if (anchor)
        {
            p = 1;
        }

        for (int s = init; s <= _sEnd; s++)
        {
            Level = 0;
            _depth = MaxDepth;
            int end = Match(s, p);
            if (end >= 0 && end != lastMatch)
            {
                return (s, end);
            }

            if (anchor)
            {
                break;
            }
        }

        return null;
    }

    /// <summary>
    /// Plain substring search (string.find with plain = true, or a pattern without special characters),
    /// counting a step per candidate position and per 32 bytes compared.
    /// </summary>
    public int? FindPlain(byte[] subject, int subjectLength, int init, byte[] needle, int needleLength, long stepLimit)
    {
        Steps = 0;
        _limit = stepLimit;
        if (needleLength == 0)
        {
            return init;
        }

        var haystack = subject.AsSpan(0, subjectLength);
        var wanted = needle.AsSpan(0, needleLength);
        int at = init;
        while (at <= subjectLength - needleLength)
        {
            int found = haystack[at..(subjectLength - needleLength + 1)].IndexOf(wanted[0]);
            Count(1 + (found < 0 ? subjectLength - at : found) / 32);
            if (found < 0)
            {
                return null;
            }

            at += found;
            Count(1 + needleLength / 32);
            if (haystack.Slice(at, needleLength).SequenceEqual(wanted))
            {
                return at;
            }

            at++;
        }

        return null;
    }

    /// <summary>Whether <paramref name="pattern"/> has none of Lua's special characters (then find searches plainly).</summary>
    public static bool HasNoSpecials(ReadOnlySpan<byte> pattern) => pattern.IndexOfAny("^$*+?.([%-"u8) < 0;

    private void Count(long steps)
    {
        Steps += steps;
        if (Steps > _limit)
        {
            throw new PatternBudgetException();
        }
    }
}
