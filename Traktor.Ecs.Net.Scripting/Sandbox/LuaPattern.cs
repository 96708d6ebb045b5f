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
internal sealed class LuaPattern
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

    private int Match(int s, int p)
    {
        if (_depth-- == 0)
        {
            throw new PatternException("pattern too complex");
        }

        try
        {
            while (true)
            {
                Count(1);
                if (p == _pEnd)
                {
                    return s;
                }

                switch (_p[p])
                {
                    case (byte)'(':
                        return p + 1 < _pEnd && _p[p + 1] == (byte)')'
                            ? StartCapture(s, p + 2, PositionCapture)
                            : StartCapture(s, p + 1, Unfinished);
                    case (byte)')':
                        return EndCapture(s, p + 1);
                    case (byte)'$' when p + 1 == _pEnd:
                        return s == _sEnd ? s : -1;
                    case Escape when p + 1 < _pEnd && _p[p + 1] == (byte)'b':
                        s = MatchBalance(s, p + 2);
                        if (s < 0)
                        {
                            return -1;
                        }

                        p += 4;
                        continue;
                    case Escape when p + 1 < _pEnd && _p[p + 1] == (byte)'f':
                    {
                        p += 2;
                        if (p >= _pEnd || _p[p] != (byte)'[')
                        {
                            throw new PatternException("missing '[' after '%f' in pattern");
                        }

                        int ep = ClassEnd(p);
                        int previous = s == 0 ? 0 : _s[s - 1];
                        int current = s < _sEnd ? _s[s] : 0;
                        if (!MatchBracketClass(previous, p, ep - 1) && MatchBracketClass(current, p, ep - 1))
                        {
                            p = ep;
                            continue;
                        }

                        return -1;
                    }

                    case Escape when p + 1 < _pEnd && _p[p + 1] >= (byte)'0' && _p[p + 1] <= (byte)'9':
                        s = MatchCapture(s, _p[p + 1]);
                        if (s < 0)
                        {
                            return -1;
                        }

                        p += 2;
                        continue;
                }

                int end = ClassEnd(p);
                int suffix = end < _pEnd ? _p[end] : 0;
                if (!SingleMatch(s, p, end))
                {
                    // Zero repetitions are fine for '*', '?' and '-'.
                    if (suffix is '*' or '?' or '-')
                    {
                        p = end + 1;
                        continue;
                    }

                    return -1;
                }

                switch (suffix)
                {
                    case '?':
                    {
                        int result = Match(s + 1, end + 1);
                        if (result >= 0)
                        {
                            return result;
                        }

                        p = end + 1;
                        continue;
                    }

                    case '+':
                        return MaxExpand(s + 1, p, end);
                    case '*':
                        return MaxExpand(s, p, end);
                    case '-':
                        return MinExpand(s, p, end);
                    default:
                        s++;
                        p = end;
                        continue;
                }
            }
        }
        finally
        {
            _depth++;
        }
    }

    private int MaxExpand(int s, int p, int ep)
    {
        int i = 0;
        while (SingleMatch(s + i, p, ep))
        {
            Count(1);
            i++;
        }

        // Try the longest run first, then shorter ones.
        for (; i >= 0; i--)
        {
            int result = Match(s + i, ep + 1);
            if (result >= 0)
            {
                return result;
            }
        }

        return -1;
    }

    private int MinExpand(int s, int p, int ep)
    {
        while (true)
        {
            int result = Match(s, ep + 1);
            if (result >= 0)
            {
                return result;
            }

            if (!SingleMatch(s, p, ep))
            {
                return -1;
            }

            s++;
        }
    }

    private int StartCapture(int s, int p, int what)
    {
        if (Level >= MaxCaptures)
        {
            throw new PatternException("too many captures");
        }

        _captureStart[Level] = s;
        _captureLength[Level] = what;
        Level++;
        int result = Match(s, p);
        if (result < 0)
        {
            Level--;
        }

        return result;
    }

    private int EndCapture(int s, int p)
    {
        int open = CaptureToClose();
        _captureLength[open] = s - _captureStart[open];
        int result = Match(s, p);
        if (result < 0)
        {
            _captureLength[open] = Unfinished;
        }

        return result;
    }

    private int CaptureToClose()
    {
        for (int level = Level - 1; level >= 0; level--)
        {
            if (_captureLength[level] == Unfinished)
            {
                return level;
            }
        }

        throw new PatternException("invalid pattern capture");
    }

    private int MatchBalance(int s, int p)
    {
        if (p >= _pEnd - 1)
        {
            throw new PatternException("malformed pattern (missing arguments to '%b')");
        }

        if (s >= _sEnd || _s[s] != _p[p])
        {
            return -1;
        }

        byte open = _p[p], close = _p[p + 1];
        int depth = 1;
        while (++s < _sEnd)
        {
            Count(1);
            byte c = _s[s];
            if (c == close)
            {
                if (--depth == 0)
                {
                    return s + 1;
                }
            }
            else if (c == open)
            {
                depth++;
            }
        }

        return -1;
    }

    private int MatchCapture(int s, byte digit)
    {
        int l = digit - '1';
        if (l < 0 || l >= Level || _captureLength[l] == Unfinished)
        {
            throw new PatternException($"invalid capture index %{l + 1}");
        }

        int length = _captureLength[l];
        if (length < 0 || _sEnd - s < length)
        {
            return -1;
        }

        Count(1 + length / 32);
        return _s.AsSpan(_captureStart[l], length).SequenceEqual(_s.AsSpan(s, length)) ? s + length : -1;
    }

    // Where the single-character class starting at p ends (exclusive).
    private int ClassEnd(int p)
    {
        byte c = _p[p++];
        if (c == Escape)
        {
            if (p >= _pEnd)
            {
                throw new PatternException("malformed pattern (ends with '%')");
            }

            return p + 1;
        }

        if (c == (byte)'[')
        {
            if (p < _pEnd && _p[p] == (byte)'^')
            {
                p++;
            }

            // Look for the closing ']' (the first character after '[' or '[^' is taken literally, even ']').
            do
            {
                if (p >= _pEnd)
                {
                    throw new PatternException("malformed pattern (missing ']')");
                }

                Count(1);
                if (_p[p++] == Escape && p < _pEnd)
                {
                    p++;
                }
            }
            while (p >= _pEnd || _p[p] != (byte)']');

            return p + 1;
        }

        return p;
    }

    private bool SingleMatch(int s, int p, int ep)
    {
        if (s >= _sEnd)
        {
            return false;
        }

        int c = _s[s];
        return _p[p] switch
        {
            (byte)'.' => true,
            Escape => MatchClass(c, _p[p + 1]),
            (byte)'[' => MatchBracketClass(c, p, ep - 1),
            _ => _p[p] == c,
        };
    }

    // p is at '[', end at the closing ']'.
    private bool MatchBracketClass(int c, int p, int end)
    {
        bool matches = true;
        if (_p[p + 1] == (byte)'^')
        {
            matches = false;
            p++;
        }

        while (++p < end)
        {
            Count(1);
            if (_p[p] == Escape)
            {
                p++;
                if (MatchClass(c, _p[p]))
                {
                    return matches;
                }
            }
            else if (_p[p + 1] == (byte)'-' && p + 2 < end)
            {
                p += 2;
                if (_p[p - 2] <= c && c <= _p[p])
                {
                    return matches;
                }
            }
            else if (_p[p] == c)
            {
                return matches;
            }
        }

        return !matches;
    }

    // The C locale's character classes, as lstrlib uses them.
    private static bool MatchClass(int c, int classLetter)
    {
        bool result;
        switch (classLetter | 0x20)
        {
            case 'a': result = IsAlpha(c); break;
            case 'c': result = c < 32 || c == 127; break;
            case 'd': result = c is >= '0' and <= '9'; break;
            case 'g': result = c is > 32 and < 127; break;
            case 'l': result = c is >= 'a' and <= 'z'; break;
            case 'p': result = c is > 32 and < 127 && !IsAlpha(c) && c is not (>= '0' and <= '9'); break;
            case 's': result = c == ' ' || c is >= 9 and <= 13; break;
            case 'u': result = c is >= 'A' and <= 'Z'; break;
            case 'w': result = IsAlpha(c) || c is >= '0' and <= '9'; break;
            case 'x': result = c is >= '0' and <= '9' or >= 'a' and <= 'f' or >= 'A' and <= 'F'; break;
            default: return classLetter == c;
        }

        // An upper-case class letter is the complement.
        return classLetter is >= 'A' and <= 'Z' ? !result : result;
    }

    private static bool IsAlpha(int c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z';
}
