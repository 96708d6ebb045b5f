namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>Every target, in the order tools/fuzz.sh runs them.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<IFuzzTarget> All { get; } =
    [
        new HandshakeTarget(),
        new PayloadTarget(),
        new ClientTarget(),
        new VersionAnswerTarget(),
        new SnapshotTarget(),
        .. ServerMessagesTarget.All(),
        new ClientMessagesTarget(),
        new SessionTicketTarget(),
    ];

    public static IReadOnlyList<IFuzzTarget> Select(string name) =>
        name == "all" ? All : All.Where(t => t.Name == name).ToList() is { Count: > 0 } one ? one
            : throw new ArgumentException($"No target '{name}'. Targets: all, {string.Join(", ", All.Select(t => t.Name))}.");
}
