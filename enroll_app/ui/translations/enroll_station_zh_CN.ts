<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>AddTerminalDialog</name>
        <message>
            <location filename="../terminal_dialogs.py" line="+69" />
            <source>Add a terminal</source>
            <translation>添加终端</translation>
        </message>
        <message>
            <location line="+5" />
            <source>only if the station does not know it yet</source>
            <translation>仅当本工作站还不知道它的密钥时填写</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Address</source>
            <translation>地址</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Key</source>
            <translation>密钥</translation>
        </message>
        <message>
            <location line="+7" />
            <source>Type the terminal's address</source>
            <translation>请输入终端的地址</translation>
        </message>
        <message>
            <location line="+2" />
            <source>The address must look like 192.168.1.20 or 192.168.1.20:8088</source>
            <translation>地址格式应为 192.168.1.20 或 192.168.1.20:8088</translation>
        </message>
    </context>
    <context>
        <name>CrashDialog</name>
        <message>
            <location filename="../crash_dialog.py" line="+26" />
            <source>Something went wrong</source>
            <translation>出现了问题</translation>
        </message>
        <message>
            <location line="+10" />
            <source>This is a bug in Enroll Station, not something you did. Your data is safe. The details below are also in the log file: {path}</source>
            <translation>这是 Enroll Station 的程序错误，并非您的操作所致。您的数据是安全的。以下详细信息也已写入日志文件：{path}</translation>
        </message>
        <message>
            <location line="+12" />
            <source>Copy details</source>
            <translation>复制详细信息</translation>
        </message>
    </context>
    <context>
        <name>DeviceSettingsDialog</name>
        <message>
            <location filename="../terminal_dialogs.py" line="+95" />
            <source>Settings of %1</source>
            <translation>%1 的设置</translation>
        </message>
        <message>
            <location line="+60" />
            <source>The daily restart time must look like 23:50</source>
            <translation>每日重启时间的格式应为 23:50</translation>
        </message>
    </context>
    <context>
        <name>KeyDialog</name>
        <message>
            <location line="-136" />
            <source>Change the terminal key</source>
            <translation>更改终端密钥</translation>
        </message>
        <message>
            <location line="+3" />
            <source>Terminals leave the factory with the key “abc”: anyone on the network could use it. The new key is kept in this PC's keyring.</source>
            <translation>终端出厂密钥为“abc”：网络上的任何人都能使用它。新密钥保存在本机的系统密钥环中。</translation>
        </message>
        <message>
            <location line="+11" />
            <source>New key</source>
            <translation>新密钥</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Repeat</source>
            <translation>再次输入</translation>
        </message>
        <message numerus="yes">
            <location line="+1" />
            <source>The %n selected terminal(s)</source>
            <translation>
                <numerusform>所选的 %n 台终端</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <location line="+1" />
            <source>All %n terminal(s), as the site key</source>
            <translation>
                <numerusform>全部 %n 台终端（作为现场密钥）</numerusform>
            </translation>
        </message>
        <message>
            <location line="+12" />
            <source>Type the new key twice</source>
            <translation>请将新密钥输入两次</translation>
        </message>
        <message>
            <location line="+6" />
            <source>The two keys differ</source>
            <translation>两次输入的密钥不一致</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <location filename="../main_window.py" line="+64" />
            <location line="+158" />
            <source>Enroll Station</source>
            <translation>人脸登记工作站</translation>
        </message>
        <message>
            <location line="-56" />
            <source>Stop demo</source>
            <translation>停止演示</translation>
        </message>
        <message>
            <location line="+0" />
            <source>Start demo</source>
            <translation>开始演示</translation>
        </message>
        <message>
            <location line="+58" />
            <source>Face enrollment for access terminals</source>
            <translation>门禁终端的人脸登记</translation>
        </message>
        <message>
            <location line="+14" />
            <source>Settings</source>
            <translation>设置</translation>
        </message>
        <message>
            <location line="+3" />
            <source>Version {version}</source>
            <translation>版本 {version}</translation>
        </message>
        <message>
            <location line="+15" />
            <source>&amp;Station</source>
            <translation>工作站(&amp;S)</translation>
        </message>
        <message>
            <location line="+1" />
            <source>&amp;Settings…</source>
            <translation>设置(&amp;S)…</translation>
        </message>
        <message>
            <location line="+9" />
            <source>&amp;Quit</source>
            <translation>退出(&amp;Q)</translation>
        </message>
        <message>
            <location line="+6" />
            <source>&amp;View</source>
            <translation>视图(&amp;V)</translation>
        </message>
    </context>
    <context>
        <name>NoticeBanner</name>
        <message>
            <location filename="../widgets.py" line="+63" />
            <source>Dismiss</source>
            <translation>关闭提示</translation>
        </message>
    </context>
    <context>
        <name>Pages</name>
        <message>
            <location filename="../pages.py" line="+44" />
            <source>Enroll</source>
            <translation>登记</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Persons</source>
            <translation>人员</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Terminals</source>
            <translation>终端</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Records</source>
            <translation>通行记录</translation>
        </message>
        <message>
            <location line="+59" />
            <source>Meanwhile, the Terminals page works: find the terminals on this network (or the demo ones), set a site key and let them send heartbeats to this station.</source>
            <translation>在此期间，“终端”页面已经可用：查找本网络中的终端（或演示终端）、设置现场密钥，并让它们把心跳发送到本工作站。</translation>
        </message>
        <message>
            <location line="+5" />
            <source>Open Terminals</source>
            <translation>打开终端页面</translation>
        </message>
        <message>
            <location line="+8" />
            <source>This page could not be opened because of a bug. The details are in the log.</source>
            <translation>由于程序错误，此页面无法打开。详细信息见日志。</translation>
        </message>
        <message>
            <location line="+9" />
            <source>&lt;b&gt;Not built yet.&lt;/b&gt; Here you will enroll people: take a photo, check it and send it to the terminals.</source>
            <translation>&lt;b&gt;尚未完成。&lt;/b&gt;这里将用于登记人员：拍照、检查照片并发送到终端。</translation>
        </message>
        <message>
            <location line="+5" />
            <source>Live camera preview with face quality checks (sharpness, pose, light)</source>
            <translation>摄像头实时预览，并检查人脸质量（清晰度、姿态、光线）</translation>
        </message>
        <message>
            <location line="+1" />
            <source>A virtual camera made from sample portraits, for demo mode without a webcam</source>
            <translation>由示例人像组成的虚拟摄像头，演示模式下无需网络摄像头</translation>
        </message>
        <message>
            <location line="+3" />
            <source>Duplicate search against everyone already enrolled</source>
            <translation>在所有已登记人员中查找重复</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Upload to every chosen terminal, verified by reading it back</source>
            <translation>上传到每台选定的终端，并回读校验</translation>
        </message>
        <message>
            <location line="+5" />
            <source>&lt;b&gt;Not built yet.&lt;/b&gt; Here you will see everyone enrolled at this station, with photo, validity and the terminals they are on.</source>
            <translation>&lt;b&gt;尚未完成。&lt;/b&gt;这里将显示在本工作站登记的所有人员，包括照片、有效期以及所在的终端。</translation>
        </message>
        <message>
            <location line="+5" />
            <source>Search by name or ID</source>
            <translation>按姓名或编号搜索</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Change validity, pass count and visitor end time</source>
            <translation>修改有效期、通行次数和访客结束时间</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Delivery state on each terminal</source>
            <translation>每台终端上的下发状态</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Import and export as Excel files</source>
            <translation>以 Excel 文件导入和导出</translation>
        </message>
        <message>
            <location line="+5" />
            <source>&lt;b&gt;Not built yet.&lt;/b&gt; Here you will see the access terminals on this network, found automatically.</source>
            <translation>&lt;b&gt;尚未完成。&lt;/b&gt;这里将显示自动发现的本网络中的门禁终端。</translation>
        </message>
        <message>
            <location line="+5" />
            <source>Network scan and live heartbeats</source>
            <translation>网络扫描和实时心跳</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Online and offline state, device details</source>
            <translation>在线和离线状态、设备详情</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Terminal keys kept in the system keyring</source>
            <translation>终端密钥保存在系统密钥环中</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Open the door, set the time, reboot</source>
            <translation>开门、校时、重启</translation>
        </message>
        <message>
            <location line="+5" />
            <source>&lt;b&gt;Not built yet.&lt;/b&gt; Here you will see the pass records the terminals send to this station.</source>
            <translation>&lt;b&gt;尚未完成。&lt;/b&gt;这里将显示终端发送到本工作站的通行记录。</translation>
        </message>
        <message>
            <location line="+4" />
            <source>Who passed which terminal, and when, as it happens</source>
            <translation>实时显示谁在何时通过了哪台终端</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Filter by person, terminal and date</source>
            <translation>按人员、终端和日期筛选</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Export to Excel</source>
            <translation>导出为 Excel</translation>
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <location filename="../settings_dialog.py" line="+28" />
            <source>Settings</source>
            <translation>设置</translation>
        </message>
        <message>
            <location line="+24" />
            <source>Appearance</source>
            <translation>外观</translation>
        </message>
        <message>
            <location line="+3" />
            <location line="+11" />
            <source>Same as the system</source>
            <translation>跟随系统</translation>
        </message>
        <message>
            <location line="-6" />
            <source>Language:</source>
            <translation>语言：</translation>
        </message>
        <message>
            <location line="+1" />
            <source>A new language is used after a restart.</source>
            <translation>新语言将在重启后生效。</translation>
        </message>
        <message>
            <location line="+6" />
            <source>Light</source>
            <translation>浅色</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Dark</source>
            <translation>深色</translation>
        </message>
        <message>
            <location line="+3" />
            <source>Theme:</source>
            <translation>主题：</translation>
        </message>
        <message>
            <location line="+4" />
            <source>Camera</source>
            <translation>摄像头</translation>
        </message>
        <message>
            <location line="+3" />
            <source>Camera {number}</source>
            <translation>摄像头 {number}</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Camera:</source>
            <translation>摄像头：</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Take the photo as soon as every check passes</source>
            <translation>所有检查通过后立即拍照</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Auto capture:</source>
            <translation>自动拍照：</translation>
        </message>
        <message>
            <location line="+4" />
            <source>Terminals</source>
            <translation>终端</translation>
        </message>
        <message>
            <location line="+3" />
            <source>Receiver port:</source>
            <translation>接收端口：</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Terminals send heartbeats and pass records to this port.</source>
            <translation>终端将心跳和通行记录发送到此端口。</translation>
        </message>
        <message>
            <location line="+7" />
            <source>Visitors</source>
            <translation>访客</translation>
        </message>
        <message>
            <location line="+4" />
            <source>Visitor passes end at:</source>
            <translation>访客通行截止于：</translation>
        </message>
    </context>
    <context>
        <name>ShellPresenter</name>
        <message>
            <location filename="../shell_presenter.py" line="+92" />
            <source>No terminal is known yet. Connect a terminal to this network, or start the demo: three simulated terminals on this computer show the whole station working.</source>
            <translation>尚未发现任何终端。请将终端接入本网络，或开始演示：本机上的三台模拟终端将展示工作站的完整功能。</translation>
        </message>
        <message>
            <location line="+3" />
            <source>Start demo</source>
            <translation>开始演示</translation>
        </message>
        <message>
            <location line="+15" />
            <source>Starting demo terminals</source>
            <translation>正在启动演示终端</translation>
        </message>
        <message>
            <location line="+8" />
            <source>Stopping demo terminals</source>
            <translation>正在停止演示终端</translation>
        </message>
        <message>
            <location line="+4" />
            <source>Demo mode: {count} simulated terminals ({addresses}).</source>
            <translation>演示模式：{count} 台模拟终端（{addresses}）。</translation>
        </message>
        <message>
            <location line="+4" />
            <source>Stop demo</source>
            <translation>停止演示</translation>
        </message>
        <message>
            <location line="+7" />
            <source>The demo terminals could not start: {reason}</source>
            <translation>演示终端无法启动：{reason}</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Try again</source>
            <translation>重试</translation>
        </message>
        <message>
            <location line="+30" />
            <source>The new language is used after a restart.</source>
            <translation>新语言将在重启后生效。</translation>
        </message>
    </context>
    <context>
        <name>StationSettings</name>
        <message>
            <location filename="../settings.py" line="+137" />
            <source>The settings could not be saved to {path}.</source>
            <translation>无法将设置保存到 {path}。</translation>
        </message>
    </context>
    <context>
        <name>StationStatusBar</name>
        <message>
            <location filename="../status_bar.py" line="+57" />
            <source>No terminals yet</source>
            <translation>暂无终端</translation>
        </message>
        <message>
            <location line="+3" />
            <source>{online} online · {offline} offline</source>
            <translation>{online} 台在线 · {offline} 台离线</translation>
        </message>
    </context>
    <context>
        <name>TerminalsModel</name>
        <message>
            <location filename="../terminals_view.py" line="+104" />
            <source>Name</source>
            <translation>名称</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Serial</source>
            <translation>序列号</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Address</source>
            <translation>地址</translation>
        </message>
        <message>
            <location line="+1" />
            <source>State</source>
            <translation>状态</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Key</source>
            <translation>密钥</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Persons</source>
            <translation>人数</translation>
        </message>
        <message>
            <location line="+1" />
            <source>App version</source>
            <translation>应用版本</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Clock offset</source>
            <translation>时钟偏差</translation>
        </message>
        <message>
            <location line="+55" />
            <source>(no name)</source>
            <translation>（未命名）</translation>
        </message>
        <message>
            <location line="+4" />
            <source>Online</source>
            <translation>在线</translation>
        </message>
        <message>
            <location line="+0" />
            <source>Offline</source>
            <translation>离线</translation>
        </message>
        <message>
            <location line="+14" />
            <source>No heartbeat received yet</source>
            <translation>尚未收到心跳</translation>
        </message>
        <message>
            <location line="+2" />
            <source>Last heartbeat %1 s ago</source>
            <translation>上次心跳在 %1 秒前</translation>
        </message>
    </context>
    <context>
        <name>TerminalsPresenter</name>
        <message>
            <location line="+67" />
            <source>Starting the heartbeat receiver</source>
            <translation>正在启动心跳接收</translation>
        </message>
        <message>
            <location line="+13" />
            <source>Heartbeats cannot be received: %1</source>
            <translation>无法接收心跳：%1</translation>
        </message>
        <message>
            <location line="+5" />
            <source>Receiving heartbeats on port %1</source>
            <translation>正在端口 %1 上接收心跳</translation>
        </message>
        <message>
            <location line="+8" />
            <source>Reading a new terminal</source>
            <translation>正在读取新终端</translation>
        </message>
        <message>
            <location line="+10" />
            <source>Restarting the heartbeat receiver</source>
            <translation>正在重启心跳接收</translation>
        </message>
        <message>
            <location line="+22" />
            <source>Looking for terminals</source>
            <translation>正在查找终端</translation>
        </message>
        <message numerus="yes">
            <location line="+6" />
            <source>Found %n terminal(s)</source>
            <translation>
                <numerusform>找到 %n 台终端</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <location line="+3" />
            <source>(%n with a key this station does not hold: add them with their key)</source>
            <translation>
                <numerusform>（其中 %n 台使用本工作站没有的密钥：请输入其密钥后添加）</numerusform>
            </translation>
        </message>
        <message>
            <location line="+7" />
            <source>Adding %1</source>
            <translation>正在添加 %1</translation>
        </message>
        <message>
            <location line="+7" />
            <source>The terminal at %1 rejected every key this station holds; add it with its key</source>
            <translation>%1 处的终端拒绝了本工作站的所有密钥；请输入其密钥后添加</translation>
        </message>
        <message>
            <location line="+6" />
            <source>Added %1 (%2)</source>
            <translation>已添加 %1（%2）</translation>
        </message>
        <message>
            <location line="+20" />
            <source>Reading the terminals</source>
            <translation>正在读取终端</translation>
        </message>
        <message>
            <location line="+19" />
            <source>Setting the clock</source>
            <translation>正在校时</translation>
        </message>
        <message>
            <location line="+6" />
            <source>Clock of %1 set: it was %2 off, now %3</source>
            <translation>%1 已校时：原偏差 %2，现在 %3</translation>
        </message>
        <message>
            <location line="+8" />
            <source>Configuring heartbeats</source>
            <translation>正在配置心跳</translation>
        </message>
        <message>
            <location line="+5" />
            <source>The heartbeat receiver is not running (see the settings for its port)</source>
            <translation>心跳接收未运行（请在设置中查看其端口）</translation>
        </message>
        <message>
            <location line="+7" />
            <source>%1 now sends heartbeats and pass records to this station</source>
            <translation>%1 现在会将心跳和通行记录发送到本工作站</translation>
        </message>
        <message>
            <location line="+19" />
            <source>The key was not changed everywhere. %1</source>
            <translation>密钥未在所有终端上更改。%1</translation>
        </message>
        <message numerus="yes">
            <location line="+3" />
            <source>Key changed on %n terminal(s)</source>
            <translation>
                <numerusform>已在 %n 台终端上更改密钥</numerusform>
            </translation>
        </message>
        <message>
            <location line="+6" />
            <source>Door of %1 opened</source>
            <translation>%1 的门已打开</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Opening the door</source>
            <translation>正在开门</translation>
        </message>
        <message>
            <location line="+6" />
            <source>%1 is restarting</source>
            <translation>%1 正在重启</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Restarting</source>
            <translation>正在重启</translation>
        </message>
        <message>
            <location line="+10" />
            <source>%1 is downloading the new app</source>
            <translation>%1 正在下载新应用</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Updating the app</source>
            <translation>正在更新应用</translation>
        </message>
    </context>
    <context>
        <name>TerminalsView</name>
        <message>
            <location line="+80" />
            <source>Subnets to scan, e.g. 192.168.1.0/24 (blank: this PC's networks)</source>
            <translation>要扫描的子网，例如 192.168.1.0/24（留空：本机所在网络）</translation>
        </message>
        <message>
            <location line="+7" />
            <source>port </source>
            <translation>端口 </translation>
        </message>
        <message>
            <location line="+1" />
            <source>The terminals' port (8088 unless changed)</source>
            <translation>终端的端口（默认 8088）</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Find terminals</source>
            <translation>查找终端</translation>
        </message>
        <message>
            <location line="+2" />
            <source>Add by address…</source>
            <translation>按地址添加…</translation>
        </message>
        <message>
            <location line="+2" />
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <location line="+15" />
            <source>Some terminals still use the factory key “abc”, which anyone on the network can use. Set a key of your own for this site.</source>
            <translation>部分终端仍在使用出厂密钥“abc”，网络上的任何人都能使用它。请为本现场设置自己的密钥。</translation>
        </message>
        <message>
            <location line="+5" />
            <source>Set a site key…</source>
            <translation>设置现场密钥…</translation>
        </message>
        <message>
            <location line="+23" />
            <source>Set clock</source>
            <translation>校时</translation>
        </message>
        <message>
            <location line="+2" />
            <source>Send heartbeats here</source>
            <translation>将心跳发到本机</translation>
        </message>
        <message>
            <location line="+2" />
            <source>Point the terminal's heartbeats and pass records at this station</source>
            <translation>让终端把心跳和通行记录发送到本工作站</translation>
        </message>
        <message>
            <location line="+5" />
            <source>Settings…</source>
            <translation>设置…</translation>
        </message>
        <message>
            <location line="+2" />
            <source>Change key…</source>
            <translation>更改密钥…</translation>
        </message>
        <message>
            <location line="+3" />
            <source>More</source>
            <translation>更多</translation>
        </message>
        <message>
            <location line="+3" />
            <source>Open the door…</source>
            <translation>开门…</translation>
        </message>
        <message>
            <location line="+2" />
            <source>Restart…</source>
            <translation>重启…</translation>
        </message>
        <message>
            <location line="+2" />
            <source>Update the app…</source>
            <translation>更新应用…</translation>
        </message>
        <message>
            <location line="+39" />
            <source>Select one terminal first</source>
            <translation>请先选择一台终端</translation>
        </message>
        <message>
            <location line="+41" />
            <source>Settings saved on the terminal</source>
            <translation>设置已保存到终端</translation>
        </message>
        <message>
            <location line="+6" />
            <location line="+2" />
            <source>Open the door</source>
            <translation>开门</translation>
        </message>
        <message>
            <location line="-1" />
            <source>Open the door of %1 now? It opens for real.</source>
            <translation>现在打开 %1 的门吗？门会真的打开。</translation>
        </message>
        <message>
            <location line="+11" />
            <source>Restart the terminal</source>
            <translation>重启终端</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Restart %1? Nobody can pass for about a minute.</source>
            <translation>重启 %1 吗？大约一分钟内无人能通行。</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Restart</source>
            <translation>重启</translation>
        </message>
    </context>
    <context>
        <name>UpdateAppDialog</name>
        <message>
            <location filename="../terminal_dialogs.py" line="+118" />
            <source>Update the app of %1</source>
            <translation>更新 %1 的应用</translation>
        </message>
        <message>
            <location line="+3" />
            <source>The terminal downloads the file itself, so the address must be reachable from it.</source>
            <translation>终端会自行下载该文件，因此该地址必须能从终端访问。</translation>
        </message>
        <message>
            <location line="+8" />
            <source>Address of the APK</source>
            <translation>APK 的地址</translation>
        </message>
        <message>
            <location line="+5" />
            <source>The address must look like http://host:port/file.apk</source>
            <translation>地址格式应为 http://host:port/file.apk</translation>
        </message>
    </context>
    <context>
        <name>_BusyIndicator</name>
        <message>
            <location filename="../status_bar.py" line="+31" />
            <source> (+{count} more)</source>
            <translation>（另有 {count} 项）</translation>
        </message>
        <message>
            <location line="+1" />
            <source>Working</source>
            <translation>处理中</translation>
        </message>
    </context>
    <context>
        <name>_FormDialog</name>
        <message>
            <location filename="../terminal_dialogs.py" line="-226" />
            <source>OK</source>
            <translation>确定</translation>
        </message>
    </context>
    <context>
        <name>dialog</name>
        <message>
            <location line="+259" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
    </context>
</TS>
