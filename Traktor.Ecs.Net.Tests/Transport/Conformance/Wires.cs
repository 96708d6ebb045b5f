namespace Traktor.Ecs.Net.Tests.Transport.Conformance;

/// <summary>Theory data: every transport the conformance suite covers.</summary>
public static class Wires
{
    public static TheoryData<WireKind> All => new(Enum.GetValues<WireKind>());
}
