namespace Traktor.Ecs.Net.Scripting.Sandbox;

/// <summary>Captures: opening, closing, and back-references (<c>%1</c>–<c>%9</c>).</summary>
internal sealed partial class LuaPattern
{
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
}
