using System.Buffers;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// Another thread of the process using the shared <see cref="ArrayPool{T}"/> as sockets and HTTP clients do: it rents
/// a hundred arrays of each size from 16 bytes to 2 KiB, holds them a moment and returns them, over and over, so the
/// pool's shared stacks are empty most of the time. Code on the measured thread that relies on the shared pool then
/// allocates; in a full run this came from other tests' leftover socket threads, one tick in a few hundred.
/// </summary>
internal sealed class SharedArrayPoolPressure : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private int _rounds;

    public SharedArrayPoolPressure()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "shared ArrayPool user" };
        _thread.Start();
        // The pressure is on before the caller measures anything.
        SpinWait.SpinUntil(() => Volatile.Read(ref _rounds) > 0, TimeSpan.FromSeconds(10));
    }

    private void Run()
    {
        var held = new byte[800][];
        while (!_stop.IsCancellationRequested)
        {
            for (int i = 0; i < held.Length; i++) held[i] = ArrayPool<byte>.Shared.Rent(16 << (i % 8));
            Thread.Sleep(1);
            foreach (var array in held) ArrayPool<byte>.Shared.Return(array);
            Interlocked.Increment(ref _rounds);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
