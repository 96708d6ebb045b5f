namespace Traktor.Ecs.Net.Scripting.Sandbox;

/// <summary>The matcher proper: one pattern item at a time, repetitions (greedy and lazy), and <c>%b</c>.</summary>
internal sealed partial class LuaPattern
{
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
}
