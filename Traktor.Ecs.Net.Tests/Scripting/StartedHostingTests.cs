using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Scripting.Api;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A started hosting's token (a takeover's or createSession's): once attaching or giving up decided, its source is disposed (before, it never was). The
/// token stays usable: it keeps saying whether it was cancelled and takes registrations; only its wait handle is gone.
/// </summary>
public sealed class StartedHostingTests
{
    [Fact]
    public void A_hosting_given_up_cancels_its_token_once_and_disposes_its_source()
    {
        using var migration = new CancellationTokenSource();
        var hosting = new StartedHosting(migration.Token, NullLogger.Instance);
        var token = hosting.Token;
        int cancelled = 0;
        token.Register(() => cancelled++);

        hosting.GiveUp();
        hosting.GiveUp();
        migration.Cancel();

        Assert.Equal(1, cancelled);
        Assert.True(token.IsCancellationRequested);
        Assert.False(hosting.TryAttach());
        Assert.Throws<ObjectDisposedException>(() => token.WaitHandle); // the source was disposed
        bool late = false;
        token.Register(() => late = true); // runs at once: the token was cancelled
        Assert.True(late);
    }

    [Fact]
    public void A_hosting_that_attached_disposes_its_source_and_its_token_is_never_cancelled()
    {
        using var migration = new CancellationTokenSource();
        var hosting = new StartedHosting(migration.Token, NullLogger.Instance);
        var token = hosting.Token;
        bool cancelled = false;
        token.Register(() => cancelled = true);

        Assert.True(hosting.TryAttach());
        migration.Cancel();
        hosting.GiveUp();

        Assert.False(cancelled);
        Assert.False(token.IsCancellationRequested);
        Assert.Throws<ObjectDisposedException>(() => token.WaitHandle); // the source was disposed
        token.Register(() => cancelled = true); // still takes a registration, which never runs
        Assert.False(cancelled);
    }

    [Fact]
    public void A_hosting_made_for_a_stopped_migration_is_given_up_at_once_and_its_token_can_still_be_read()
    {
        using var migration = new CancellationTokenSource();
        migration.Cancel();

        var hosting = new StartedHosting(migration.Token, NullLogger.Instance);

        Assert.True(hosting.Token.IsCancellationRequested);
        Assert.False(hosting.TryAttach());
    }
}
