namespace Traktor.Ecs.Net.Scripting.Sandbox;

/// <summary>Single-character classes: <c>.</c>, <c>%a</c> and the other C-locale classes, and bracket sets.</summary>
internal sealed partial class LuaPattern
{
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
