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
        return new SubjectKeyring(new SubjectKeyStore(dynamo, names), wrapper, TimeSpan.FromSeconds(seconds), size, clock);
    }

    private static int Int(string? text, int fallback) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;
}
