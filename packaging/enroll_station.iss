; Inno Setup 6 script: per-user installer of the one-folder bundle in dist\enroll-station.
;
; Build (from the repository root, after packaging/build_and_smoke.sh):
;   iscc packaging\enroll_station.iss
; Result: dist\EnrollStation-<version>-setup.exe
;
; Per user: no administrator rights; the programs go to %LOCALAPPDATA%\Programs\Enroll Station.
; The station's data (settings, database, logs, keys' keyring entries, installed model packs)
; lives in %LOCALAPPDATA%\enroll-station, outside the program folder: an upgrade replaces the
; programs and never touches the data, and uninstalling leaves the data for a reinstall.
; The version comes from the package: enroll_app.__version__ is written into the bundle's
; .exe files by packaging/enroll_station.spec, and read back here (or pass /DAppVersion=x.y.z).

#define AppName "Enroll Station"
#define BundleDir "..\dist\enroll-station"
#define GuiExe "EnrollStation.exe"
#define CliExe "enroll-station.exe"
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(AddBackslash(SourcePath) + BundleDir + "\" + GuiExe, "ProductVersion")
#endif
#if AppVersion == ""
  #error "No version: build the bundle first (packaging/build_and_smoke.sh) or pass /DAppVersion=x.y.z"
#endif

[Setup]
; The AppId must never change: it is how an upgrade finds the installed copy.
AppId={{6E3B2C1A-8F47-4D5E-9A0B-7C2D4E6F8A10}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=enroll-station
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
; The insightface model licence, shown before installing (the models are bundled).
InfoBeforeFile=..\enroll_app\face\LICENCE-MODELS.txt
OutputDir=..\dist
OutputBaseFilename=EnrollStation-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName}
; A running station is closed (Restart Manager) before its files are replaced.
CloseApplications=yes
RestartApplications=no
SetupLogging=yes

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Upgrade in place: drop the previous version's libraries first, so no stale module survives.
; Only the program folder: the station's data is elsewhere and is never deleted.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"
Name: "{group}\{#AppName} self-test"; Filename: "{app}\{#CliExe}"; Parameters: "selftest --pause"; WorkingDir: "{app}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
; Offered on the last page: the self-test (about a minute, no hardware needed), then the window.
Filename: "{app}\{#CliExe}"; Parameters: "selftest --pause"; WorkingDir: "{app}"; Description: "Run the self-test (about a minute, no hardware needed)"; Flags: postinstall skipifsilent waituntilterminated
Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: postinstall skipifsilent nowait

[UninstallDelete]
; Python may leave caches next to the programs; the station's data folder is not listed here.
Type: filesandordirs; Name: "{app}\_internal"
