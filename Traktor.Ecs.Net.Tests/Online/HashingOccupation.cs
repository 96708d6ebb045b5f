using Traktor.Ecs.Net.Online.Security;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Holds hashes in a <see cref="PasswordHashingGate"/> until released: the running ones block in their hash, the rest wait
/// for a slot. Lets a test stop requests right before their hash, where races and refusals happen.
/// </summary>
internal sealed class HashingOccupation : IAsyncDisposable
{
    private readonly PasswordHashingGate _gate;
    private readonly ManualResetEventSlim _release = new();
    private readonly Task[] _occupants;

    private HashingOccupation(PasswordHashingGate gate, int count)
    {
        _gate = gate;
        var cancel = TestContext.Current.CancellationToken;
        _occupants = Enumerable.Range(0, count)
            .Select(_ => Task.Run(() => gate.RunAsync(() => { _release.Wait(cancel); return 0; }, cancel), cancel))
            .ToArray();
    }

    /// <summary>Starts <paramref name="count"/> hashes and returns once the gate holds them all.</summary>
    public static async Task<HashingOccupation> StartAsync(PasswordHashingGate gate, int count)
    {
        var occupation = new HashingOccupation(gate, count);
        await occupation.WaitForAdmittedAsync(count);
        return occupation;
    }

    /// <summary>Returns once the gate holds <paramref name="admitted"/> hashes, running or waiting (it offers no event to await).</summary>
    public async Task WaitForAdmittedAsync(int admitted)
    {
        var cancel = TestContext.Current.CancellationToken;
        while (_gate.Admitted < admitted)
        {
            await Task.Delay(1, cancel);
        }
    }

    /// <summary>Lets every held hash finish.</summary>
    public void Release() => _release.Set();

    public async ValueTask DisposeAsync()
    {
        _release.Set();
        await Task.WhenAll(_occupants);
        _release.Dispose();
    }
}
