using System.Diagnostics;

namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>
/// Ends the process when one execution runs past the time limit (an endless loop cannot be caught in-process),
/// after saving the input that caused it.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly TimeSpan _limit;
    private readonly Func<string, byte[], string> _save;
    private readonly Thread _thread;
    private readonly Lock _lock = new();
    private byte[] _input = [];
    private string _target = "";
    private long _startedAt;
    private bool _armed;
    private volatile bool _stopped;

    public Watchdog(TimeSpan limit, Func<string, byte[], string> save)
    {
        _limit = limit;
        _save = save;
        _thread = new Thread(Watch) { IsBackground = true, Name = "fuzz watchdog" };
        _thread.Start();
    }

    public void Arm(string target, ReadOnlySpan<byte> input)
    {
        lock (_lock)
        {
            if (_input.Length != input.Length) _input = new byte[input.Length];
            input.CopyTo(_input);
            _target = target;
            _startedAt = Stopwatch.GetTimestamp();
            _armed = true;
        }
    }

    public void Disarm()
    {
        lock (_lock) _armed = false;
    }

    private void Watch()
    {
        while (!_stopped)
        {
            Thread.Sleep(100);
            lock (_lock)
            {
                if (!_armed || Stopwatch.GetElapsedTime(_startedAt) < _limit) continue;
                string path = _save(_target, _input);
                Console.Error.WriteLine($"fuzz: {_target}: one execution ran past {_limit.TotalSeconds:0.#} s (a hang); input saved to {path}");
                Environment.Exit(3);
            }
        }
    }

    public void Dispose() => _stopped = true;
}
