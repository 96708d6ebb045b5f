namespace Traktor.Ecs.Net.Online;

/// <summary>The special expected-version values of <see cref="ICloudSave"/> writes.</summary>
public static class CloudSaveVersion
{
    /// <summary>Write unconditionally: last write wins.</summary>
    public const string Any = "";

    /// <summary>Write only if the slot does not exist yet.</summary>
    public const string IfAbsent = "*";
}
