using System.Globalization;
using Amazon.DynamoDBv2;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.Kms;

/// <summary>
/// Builds a function's <see cref="SubjectKeyring"/> once per container from its settings: keys wrapped by KMS when
/// <see cref="SettingNames.KmsKeyId"/> is set (AWS), by the master key of <see cref="SettingNames.MasterKey"/> otherwise
/// (local); null when neither is set, and then records go to the stream as they were sent.
/// </summary>
public static class SubjectKeyringFactory
{
    /// <summary>How long a writer uses one key-encryption key, and a reader keeps one it unwrapped.</summary>
    public static readonly TimeSpan KeyEncryptionKeyRotation = TimeSpan.FromHours(1);

    public static SubjectKeyring? Create(ServiceEndpoints endpoints, ResourceBindings names, IAmazonDynamoDB dynamo, Func<string, string?> setting, TimeProvider clock)
    {
        IDataKeyWrapper wrapper;
        if (setting(SettingNames.KmsKeyId) is { } kmsKey)
        {
            wrapper = new KmsDataKeyWrapper(KmsDataKeyWrapper.CreateClient(endpoints), kmsKey);
        }
        else if (setting(SettingNames.MasterKey) is { } master)
        {
            wrapper = IDataKeyWrapper.FromMasterKey(Convert.FromBase64String(master));
        }
        else
        {
            return null;
        }

        var seconds = Int(setting(SettingNames.SubjectKeyCacheSeconds), 300);
        var size = Int(setting(SettingNames.SubjectKeyCacheSize), 10_000);
        // KMS (or the master key) wraps an hourly key-encryption key, which wraps the subjects' keys: one KMS call per
        // hour and function instead of one per subject. Locally the same layer runs over the master key.
        var layered = IDataKeyWrapper.WithKeyEncryptionKeys(wrapper, KeyEncryptionKeyRotation, clock);
        return new SubjectKeyring(new SubjectKeyStore(dynamo, names), layered, TimeSpan.FromSeconds(seconds), size, clock);
    }

    private static int Int(string? text, int fallback) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;
}
