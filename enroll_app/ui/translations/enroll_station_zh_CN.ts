<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AddTerminalDialog</name>
    <message>
        <location filename="../terminal_dialogs.py" line="+70"/>
        <source>Add a terminal</source>
        <translation>添加终端</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>only if the station does not know it yet</source>
        <translation>仅当本工作站还不知道它的密钥时填写</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Key</source>
        <translation>密钥</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Type the terminal&apos;s address</source>
        <translation>请输入终端的地址</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The address must look like 192.168.1.20 or 192.168.1.20:8088</source>
        <translation>地址格式应为 192.168.1.20 或 192.168.1.20:8088</translation>
    </message>
</context>
<context>
    <name>AskTwiceDialog</name>
    <message>
        <location filename="../person_edit_dialog.py" line="+269"/>
        <source>I understand, remove them</source>
        <translation>我已了解，删除他们</translation>
    </message>
</context>
<context>
    <name>AuditLog</name>
    <message>
        <location filename="../person_detail.py" line="+192"/>
        <source>by {actor}</source>
        <translation>由{actor}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>the import from a terminal</source>
        <translation>从终端导入</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>automatic delivery</source>
        <translation>自动下发</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the Enroll page</source>
        <translation>注册页面</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>HR import</source>
        <translation>人事导入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>visitor expiry</source>
        <translation>访客到期清理</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the self-test</source>
        <translation>自检</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the command line</source>
        <translation>命令行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>terminal discovery</source>
        <translation>终端发现</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>a terminal</source>
        <translation>某终端</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Imported from {terminal}</source>
        <translation>从 {terminal} 导入</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Replaced by the copy on {terminal}</source>
        <translation>已用 {terminal} 上的数据替换</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Enrolled, to be sent to {terminals}</source>
        <translation>已注册，待下发到 {terminals}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Changed, to be sent to {terminals}</source>
        <translation>已修改，待下发到 {terminals}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Enrolled on this station only</source>
        <translation>已注册（仅本工作站）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Changed on this station only</source>
        <translation>已修改（仅本工作站）</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Removal from terminals requested</source>
        <translation>已请求从终端移除</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Removal from {terminals} requested</source>
        <translation>已请求从 {terminals} 移除</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Forgotten: personal data deleted</source>
        <translation>已遗忘：个人数据已删除</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Forgotten: personal data deleted, removal from %n terminal(s) queued</source>
        <translation>已遗忘：个人数据已删除，待从 %n 台终端移除</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Forgetting finished: the record is deleted</source>
        <translation>遗忘完成：记录已删除</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Sent to {terminal}</source>
        <translation>已下发到 {terminal}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Removed from {terminal}</source>
        <translation>已从 {terminal} 移除</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>terminal full</source>
        <translation>终端已满</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>key refused</source>
        <translation>密钥被拒绝</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>photo rejected</source>
        <translation>照片被拒绝</translation>
    </message>
    <message>
        <location line="+13"/>
        <location line="+47"/>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location line="-45"/>
        <source>Removal failed on {terminal}: {reason}</source>
        <translation>从 {terminal} 移除失败：{reason}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delivery failed on {terminal}: {reason}</source>
        <translation>下发到 {terminal} 失败：{reason}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Retry on {terminal} requested</source>
        <translation>已请求在 {terminal} 上重试</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Retry on {terminal} requested (%n waiting)</source>
        <translation>已请求在 {terminal} 上重试（%n 项待处理）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Terminal {terminal} added</source>
        <translation>已添加终端 {terminal}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Terminal {terminal} moved to a new address</source>
        <translation>终端 {terminal} 的地址已变更</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Terminal {terminal} removed from the station</source>
        <translation>终端 {terminal} 已从本工作站移除</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Removed from {terminal} by reconcile (unknown to the station)</source>
        <translation>对账时从 {terminal} 移除（本工作站无此人）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Reconcile could not remove from {terminal}: {reason}</source>
        <translation>对账未能从 {terminal} 移除：{reason}</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Import from {terminal}</source>
        <translation>从 {terminal} 导入</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Imported {count} of {total} person(s) from {terminal}</source>
        <translation>已从 {terminal} 导入 {count}/{total} 人</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>{action} on {terminal}</source>
        <translation>{terminal} 上的{action}</translation>
    </message>
</context>
<context>
    <name>ChecklistView</name>
    <message>
        <location filename="../enroll_result.py" line="+101"/>
        <source>passed</source>
        <translation>通过</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>failed</source>
        <translation>未通过</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <location filename="../crash_dialog.py" line="+26"/>
        <source>Something went wrong</source>
        <translation>出现了问题</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>This is a bug in Enroll Station, not something you did. Your data is safe. The details below are also in the log file: {path}</source>
        <translation>这是 Enroll Station 的程序错误，并非您的操作所致。您的数据是安全的。以下详细信息也已写入日志文件：{path}</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Copy details</source>
        <translation>复制详细信息</translation>
    </message>
</context>
<context>
    <name>DeviceSettingsDialog</name>
    <message>
        <location filename="../terminal_dialogs.py" line="+64"/>
        <source>Terminal name</source>
        <translation>终端名称</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Welcome message (@ = name)</source>
        <translation>欢迎语（@ 代表姓名）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Message when not recognised</source>
        <translation>识别失败时的提示语</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Liveness check</source>
        <translation>活体检测</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>On</source>
        <translation>开启</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Face match threshold</source>
        <translation>人脸比对阈值</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>ID card match threshold</source>
        <translation>人证比对阈值</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Wait after a result (s)</source>
        <translation>识别结果后等待（秒）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Opens the door on</source>
        <translation>开门方式</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Face</source>
        <translation>刷脸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ID card</source>
        <translation>刷身份证</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Staff number</source>
        <translation>工号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Face and ID card</source>
        <translation>刷脸加身份证</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Face and staff number</source>
        <translation>刷脸加工号</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Door stays open (s)</source>
        <translation>开门保持时间（秒）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Door output</source>
        <translation>门禁输出</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Relay</source>
        <translation>继电器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Wiegand 26</source>
        <translation>韦根 26</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Wiegand 34</source>
        <translation>韦根 34</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Volume</source>
        <translation>音量</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Daily restart (HH:MM)</source>
        <translation>每日重启时间（时:分）</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Settings of %1</source>
        <translation>%1 的设置</translation>
    </message>
    <message>
        <location line="+68"/>
        <source>The daily restart time must look like 23:50</source>
        <translation>每日重启时间的格式应为 23:50</translation>
    </message>
</context>
<context>
    <name>EditPersonDialog</name>
    <message>
        <location filename="../person_edit_dialog.py" line="-184"/>
        <source>Edit %1</source>
        <translation>编辑 %1</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Save and send</source>
        <translation>保存并发送</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>No photo</source>
        <translation>无照片</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Replace photo…</source>
        <translation>更换照片…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Not the same person: use it</source>
        <translation>不是同一个人：仍然使用</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Choose a photo</source>
        <translation>选择照片</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Images (*.jpg *.jpeg *.png *.bmp)</source>
        <translation>图片 (*.jpg *.jpeg *.png *.bmp)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Checking the new photo…</source>
        <translation>正在检查新照片…</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>This photo cannot be used: %1</source>
        <translation>此照片不能使用：%1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This face looks like %1.</source>
        <translation>此人脸与 %1 相似。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>New photo checked: it replaces the old one on saving</source>
        <translation>新照片已检查：保存时替换旧照片</translation>
    </message>
</context>
<context>
    <name>EnrollPresenter</name>
    <message>
        <location filename="../enroll_view.py" line="+113"/>
        <source>The id pattern in the settings cannot be used: {problem}</source>
        <translation>设置中的 ID 规则无法使用：{problem}</translation>
    </message>
    <message>
        <location line="+31"/>
        <location line="+7"/>
        <source>Checking the photo</source>
        <translation>正在检查照片</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Enrolling</source>
        <translation>正在登记</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Retrying</source>
        <translation>正在重试</translation>
    </message>
</context>
<context>
    <name>EnrollView</name>
    <message>
        <location line="+75"/>
        <source>Capture (Space)</source>
        <translation>拍照（空格）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Photo from a terminal…</source>
        <translation>用终端拍照…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Back to the camera (Esc)</source>
        <translation>返回摄像头（Esc）</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Enroll (Enter)</source>
        <translation>登记（回车）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Next person</source>
        <translation>下一位</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <location line="+72"/>
        <source>Checking the photo…</source>
        <translation>正在检查照片…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Photo refused: {hint}</source>
        <translation>照片不合格：{hint}</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>It is a new person</source>
        <translation>这是新人员</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>New person: fill in the form and press Enter.</source>
        <translation>新人员：填写表单后按回车。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Renewing {name} ({id}): check the validity and press Enter.</source>
        <translation>正在续期 {name}（{id}）：检查有效期后按回车。</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Enrolling {name}…</source>
        <translation>正在登记 {name}…</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>{id} saved at the station; on {done} of {total} terminal(s).</source>
        <translation>{id} 已保存到本站；已下发到 {done}/{total} 台终端。</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Not enrolled: {reason}</source>
        <translation>未登记：{reason}</translation>
    </message>
</context>
<context>
    <name>FirstRunPresenter</name>
    <message>
        <location filename="../first_run.py" line="+266"/>
        <source>First-run wizard</source>
        <translation>首次运行向导</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>The new language is used after a restart.</source>
        <translation>新语言将在重新启动后生效。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The site key was not saved: this PC has no keyring for keys.</source>
        <translation>站点密钥未保存：本电脑没有可保存密钥的钥匙串。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The site key was not saved: {reason}</source>
        <translation>站点密钥未保存：{reason}</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Exporting diagnostics</source>
        <translation>正在导出诊断信息</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Diagnostics saved to {path} (no keys or ID numbers inside).</source>
        <translation>诊断信息已保存到 {path}（不含密钥和身份证号）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <location line="-290"/>
        <source>Set up this station</source>
        <translation>设置本登记站</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Skip</source>
        <translation>跳过</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Back</source>
        <translation>上一步</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The language of the station&apos;s window. It is used from the next start.</source>
        <translation>登记站窗口使用的语言，下次启动时生效。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Same as the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The camera that takes enrollment photos. Camera 1 is the built-in one.</source>
        <translation>用于拍摄登记照片的摄像头。摄像头 1 为内置摄像头。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Camera {number}</source>
        <translation>摄像头 {number}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Camera:</source>
        <translation>摄像头：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Terminals</source>
        <translation>终端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The access terminals this station enrolls people on.</source>
        <translation>本登记站为其登记人员的门禁终端。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Find the terminals on this network now</source>
        <translation>立即查找本网络中的终端</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Start the demo: three simulated terminals on this computer</source>
        <translation>启动演示：在本电脑上运行三台模拟终端</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Later (Terminals page)</source>
        <translation>稍后（在“终端”页面）</translation>
    </message>
</context>
<context>
    <name>ForgetDialog</name>
    <message>
        <location filename="../person_edit_dialog.py" line="+64"/>
        <source>Forget this person</source>
        <translation>彻底删除此人</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Forget %1 (ID %2)? This removes them from %3 terminal(s) and deletes from this station their photo, face embedding, card and ID numbers, and the names and snapshots of their pass records. Only the audit log keeps the ID. This cannot be undone.</source>
        <translation>彻底删除 %1（工号 %2）？将从 %3 台终端删除此人，并从本工作站删除其照片、人脸特征、卡号和身份证号，以及其通行记录中的姓名和抓拍照片。只有审计日志保留工号。此操作无法撤销。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Type the ID %1 to confirm:</source>
        <translation>输入工号 %1 以确认：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Forget</source>
        <translation>彻底删除</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <location filename="../import_dialog.py" line="+85"/>
        <source>Import persons from a sheet</source>
        <translation>从表格导入人员</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>A CSV or XLSX file, one person per row</source>
        <translation>CSV 或 XLSX 文件，每行一人</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose file…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Photos named by ID (e.g. 000123.jpg), or as the photo column says</source>
        <translation>照片按工号命名（如 000123.jpg），或按照片列所写</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose folder…</source>
        <translation>选择文件夹…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sheet</source>
        <translation>表格</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Photo folder</source>
        <translation>照片文件夹</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Columns</source>
        <translation>列</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Send to</source>
        <translation>发送到</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No terminals yet: persons stay on this station</source>
        <translation>尚无终端：人员只保存在本工作站</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Plan</source>
        <translation>计划</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Choose a sheet to begin.</source>
        <translation>请先选择表格。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ID</source>
        <translation>工号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Terminals</source>
        <translation>终端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Notes</source>
        <translation>说明</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Check (dry run)</source>
        <translation>检查（试运行）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Checking the sheet</source>
        <translation>正在检查表格</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Importing</source>
        <translation>正在导入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel the run</source>
        <translation>取消导入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop after the current row (Esc)</source>
        <translation>当前行完成后停止（Esc）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Export report…</source>
        <translation>导出报告…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Choose a sheet</source>
        <translation>选择表格</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sheets (*.csv *.xlsx *.xlsm)</source>
        <translation>表格 (*.csv *.xlsx *.xlsm)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Choose the photo folder</source>
        <translation>选择照片文件夹</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>(not in the sheet)</source>
        <translation>（表格中没有）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>column %1</source>
        <translation>第 %1 列</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 row(s) read. Check the columns, then run the dry run.</source>
        <translation>已读取 %1 行。请检查各列，然后试运行。</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Choose a sheet first</source>
        <translation>请先选择表格</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Run the dry run first</source>
        <translation>请先试运行</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Stopping after the current row…</source>
        <translation>正在停止：完成当前行后停止…</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Plan (nothing written yet)</source>
        <translation>计划（尚未写入任何内容）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Create %1, update %2, unchanged %3, errors %4.</source>
        <translation>新建 %1，更新 %2，不变 %3，错误 %4。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Plan (cancelled, nothing written)</source>
        <translation>计划（已取消，未写入任何内容）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Dry run cancelled after %1 of %2 row(s); nothing was written. Run the dry run again to import.</source>
        <translation>试运行已在检查 %2 行中的 %1 行后取消；未写入任何内容。请重新试运行后再导入。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Report</source>
        <translation>报告</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Created %1, updated %2, unchanged %3, errors %4.</source>
        <translation>已新建 %1，已更新 %2，不变 %3，错误 %4。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Report (import cancelled)</source>
        <translation>报告（导入已取消）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cancelled after %1 of %2 row(s): the other %3 were not imported. Run the dry run and import the same file again to do the rest.</source>
        <translation>已在 %2 行中完成 %1 行后取消：其余 %3 行未导入。请对同一文件重新试运行并导入以完成剩余部分。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Export the report, fix the rows and import the file again.</source>
        <translation>请导出报告，修正这些行后重新导入该文件。</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Export the import report</source>
        <translation>导出导入报告</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Import first</source>
        <translation>请先导入</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Report written to %1. Fix the error rows there and choose it again.</source>
        <translation>报告已写入 %1。请在其中修正错误行后重新选择它。</translation>
    </message>
</context>
<context>
    <name>KeyDialog</name>
    <message>
        <location filename="../terminal_dialogs.py" line="-220"/>
        <source>Change the terminal key</source>
        <translation>更改终端密钥</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Terminals leave the factory with the key “abc”: anyone on the network could use it. The new key is kept in this PC&apos;s keyring.</source>
        <translation>终端出厂密钥为“abc”：网络上的任何人都能使用它。新密钥保存在本机的系统密钥环中。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>New key</source>
        <translation>新密钥</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Repeat</source>
        <translation>再次输入</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>The %n selected terminal(s)</source>
        <translation>
            <numerusform>所选的 %n 台终端</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>All %n terminal(s), as the site key</source>
        <translation>
            <numerusform>全部 %n 台终端（作为现场密钥）</numerusform>
        </translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Type the new key twice</source>
        <translation>请将新密钥输入两次</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The two keys differ</source>
        <translation>两次输入的密钥不一致</translation>
    </message>
    <message>
        <location line="+90"/>
        <source>The key is empty</source>
        <translation>密钥为空</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The key is longer than 20 bytes</source>
        <translation>密钥超过 20 个字节</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The key must not contain spaces or control characters</source>
        <translation>密钥不能包含空格或控制字符</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="+66"/>
        <location line="+158"/>
        <source>Enroll Station</source>
        <translation>人脸登记工作站</translation>
    </message>
    <message>
        <location line="-56"/>
        <source>Stop demo</source>
        <translation>停止演示</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Start demo</source>
        <translation>开始演示</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>Face enrollment for access terminals</source>
        <translation>门禁终端的人脸登记</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Version {version}</source>
        <translation>版本 {version}</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>&amp;Station</source>
        <translation>工作站(&amp;S)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&amp;First-run wizard…</source>
        <translation>首次运行向导(&amp;F)…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Export &amp;diagnostics…</source>
        <translation>导出诊断信息(&amp;D)…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
</context>
<context>
    <name>MatchCard</name>
    <message>
        <location filename="../enroll_result.py" line="+30"/>
        <source>No photo</source>
        <translation>无照片</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>ID {id}</source>
        <translation>ID {id}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Similarity {percent:.0f} %</source>
        <translation>相似度 {percent:.0f} %</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Same person: update</source>
        <translation>同一人：更新</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Enroll the new photo as {name} and renew their record</source>
        <translation>用新照片登记为 {name} 并续期其记录</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Valid without limit</source>
        <translation>长期有效</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Valid until {when}</source>
        <translation>有效期至 {when}</translation>
    </message>
</context>
<context>
    <name>NoticeBanner</name>
    <message>
        <location filename="../widgets.py" line="+66"/>
        <source>Dismiss</source>
        <translation>关闭提示</translation>
    </message>
</context>
<context>
    <name>OffboardDialog</name>
    <message>
        <location filename="../import_dialog.py" line="+25"/>
        <source>Offboard by list</source>
        <translation>按名单离职</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Paste the IDs of the persons who leave (one per line), or load a list. They are removed from every terminal and stay on this station until forgotten.</source>
        <translation>粘贴离职人员的工号（每行一个），或加载名单。他们将从所有终端删除，并保留在本工作站直到被彻底删除。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Load a list…</source>
        <translation>加载名单…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Remove everywhere</source>
        <translation>从所有终端删除</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Load a list of IDs</source>
        <translation>加载工号名单</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sheets (*.csv *.xlsx *.xlsm *.txt)</source>
        <translation>表格 (*.csv *.xlsx *.xlsm *.txt)</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>%1 known person(s) would be removed.</source>
        <translation>将删除 %1 名已知人员。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1: %2 of %3 persons</source>
        <translation>%1：%3 人中的 %2 人</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Not on this station: %1</source>
        <translation>不在本工作站：%1</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Nothing was changed</source>
        <translation>未做任何更改</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 person(s) are being removed from the terminals</source>
        <translation>正在从终端删除 %1 人</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>This removes %1 of the %2 persons on %3. Are you sure?</source>
        <translation>这将删除 %3 上 %2 人中的 %1 人。确定吗？</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Second confirmation. %1</source>
        <translation>第二次确认。%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Remove many persons</source>
        <translation>删除大量人员</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>Pages</name>
    <message>
        <location filename="../pages.py" line="+44"/>
        <source>Enroll</source>
        <translation>登记</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Persons</source>
        <translation>人员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Terminals</source>
        <translation>终端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Records</source>
        <translation>通行记录</translation>
    </message>
    <message>
        <location line="+59"/>
        <source>Meanwhile, the Terminals page works: find the terminals on this network (or the demo ones), set a site key and let them send heartbeats to this station.</source>
        <translation>在此期间，“终端”页面已经可用：查找本网络中的终端（或演示终端）、设置现场密钥，并让它们把心跳发送到本工作站。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Open Terminals</source>
        <translation>打开终端页面</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>This page could not be opened because of a bug. The details are in the log.</source>
        <translation>由于程序错误，此页面无法打开。详细信息见日志。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&lt;b&gt;Not built yet.&lt;/b&gt; Here you will enroll people: take a photo, check it and send it to the terminals.</source>
        <translation>&lt;b&gt;尚未完成。&lt;/b&gt;这里将用于登记人员：拍照、检查照片并发送到终端。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Live camera preview with face quality checks (sharpness, pose, light)</source>
        <translation>摄像头实时预览，并检查人脸质量（清晰度、姿态、光线）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A virtual camera made from sample portraits, for demo mode without a webcam</source>
        <translation>由示例人像组成的虚拟摄像头，演示模式下无需网络摄像头</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Duplicate search against everyone already enrolled</source>
        <translation>在所有已登记人员中查找重复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Upload to every chosen terminal, verified by reading it back</source>
        <translation>上传到每台选定的终端，并回读校验</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&lt;b&gt;Not built yet.&lt;/b&gt; Here you will see everyone enrolled at this station, with photo, validity and the terminals they are on.</source>
        <translation>&lt;b&gt;尚未完成。&lt;/b&gt;这里将显示在本工作站登记的所有人员，包括照片、有效期以及所在的终端。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Search by name or ID</source>
        <translation>按姓名或编号搜索</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Change validity, pass count and visitor end time</source>
        <translation>修改有效期、通行次数和访客结束时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delivery state on each terminal</source>
        <translation>每台终端上的下发状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import and export as Excel files</source>
        <translation>以 Excel 文件导入和导出</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&lt;b&gt;Not built yet.&lt;/b&gt; Here you will see the access terminals on this network, found automatically.</source>
        <translation>&lt;b&gt;尚未完成。&lt;/b&gt;这里将显示自动发现的本网络中的门禁终端。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Network scan and live heartbeats</source>
        <translation>网络扫描和实时心跳</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Online and offline state, device details</source>
        <translation>在线和离线状态、设备详情</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Terminal keys kept in the system keyring</source>
        <translation>终端密钥保存在系统密钥环中</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open the door, set the time, reboot</source>
        <translation>开门、校时、重启</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&lt;b&gt;Not built yet.&lt;/b&gt; Here you will see the pass records the terminals send to this station.</source>
        <translation>&lt;b&gt;尚未完成。&lt;/b&gt;这里将显示终端发送到本工作站的通行记录。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Who passed which terminal, and when, as it happens</source>
        <translation>实时显示谁在何时通过了哪台终端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Filter by person, terminal and date</source>
        <translation>按人员、终端和日期筛选</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export to Excel</source>
        <translation>导出为 Excel</translation>
    </message>
</context>
<context>
    <name>PersonDetail</name>
    <message>
        <location filename="../person_detail.py" line="-309"/>
        <source>Select a person</source>
        <translation>请选择一个人</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Terminals</source>
        <translation>终端</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>No photo</source>
        <translation>无照片</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Visitor</source>
        <translation>访客</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>now</source>
        <translation>立即</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(expired)</source>
        <translation>（已过期）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>any</source>
        <translation>不限</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>ID</source>
        <translation>工号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Card</source>
        <translation>卡号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Valid from</source>
        <translation>有效期开始</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Valid until</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Passes</source>
        <translation>通行次数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Only on this station: not sent to any terminal.</source>
        <translation>仅在本工作站：未发送到任何终端。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Nothing recorded yet.</source>
        <translation>尚无记录。</translation>
    </message>
</context>
<context>
    <name>PersonDialogs</name>
    <message>
        <location filename="../person_edit_dialog.py" line="-213"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>PersonForm</name>
    <message>
        <location filename="../person_form.py" line="+88"/>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Name as the terminal shows it</source>
        <translation>终端上显示的姓名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Visitor</source>
        <translation>访客</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Card number</source>
        <translation>卡号</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>18-digit ID card number (optional)</source>
        <translation>18 位身份证号码（可选）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Passes</source>
        <translation>通行次数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Valid</source>
        <translation>有效期</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No terminals known yet: add them on the Terminals page.</source>
        <translation>尚无已知终端：请在“终端”页面添加。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Terminals</source>
        <translation>终端</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Typed, or generated</source>
        <translation>手动输入或自动生成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A new id from the station&apos;s id pattern</source>
        <translation>按本站的 ID 规则生成新 ID</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Hex</source>
        <translation>十六进制</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The card number is typed in hexadecimal</source>
        <translation>卡号以十六进制输入</translation>
    </message>
    <message>
        <location line="+14"/>
        <location line="+11"/>
        <location line="+8"/>
        <source>Unlimited</source>
        <translation>不限</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>Today until {hour}:00</source>
        <translation>今天至 {hour}:00</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>One day</source>
        <translation>一天</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>One week</source>
        <translation>一周</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>from</source>
        <translation>从</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>until</source>
        <translation>至</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location line="+149"/>
        <source>Choose at least one terminal.</source>
        <translation>请至少选择一台终端。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>ID: {problem}</source>
        <translation>ID：{problem}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name: {problem}</source>
        <translation>姓名：{problem}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Card number: {problem}</source>
        <translation>卡号：{problem}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Validity: {problem}</source>
        <translation>有效期：{problem}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ID number (a warning only): {problem}</source>
        <translation>身份证号（仅提醒）：{problem}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>decimal {number}</source>
        <translation>十进制 {number}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>hex {number}</source>
        <translation>十六进制 {number}</translation>
    </message>
</context>
<context>
    <name>PersonsModel</name>
    <message>
        <location filename="../persons_model.py" line="+118"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ID</source>
        <translation>工号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Card</source>
        <translation>卡号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Valid until</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Passes</source>
        <translation>通行次数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Terminals</source>
        <translation>终端</translation>
    </message>
    <message>
        <location line="+138"/>
        <source>(no name)</source>
        <translation>（无姓名）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>any</source>
        <translation>不限</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Being forgotten</source>
        <translation>正在彻底删除</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Visitor</source>
        <translation>访客</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1, expired</source>
        <translation>%1，已过期</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>station only</source>
        <translation>仅工作站</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>⚠ %1 failed</source>
        <translation>⚠ %1 失败</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>⏳ %1 waiting</source>
        <translation>⏳ %1 等待</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>waiting to be sent</source>
        <translation>等待发送</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>on the terminal</source>
        <translation>已在终端上</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>failed: the terminal refused the key</source>
        <translation>失败：终端拒绝了密钥</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>failed: the terminal is full</source>
        <translation>失败：终端已满</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>failed: the terminal rejected the photo</source>
        <translation>失败：终端拒绝了照片</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>being removed</source>
        <translation>正在删除</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>removed</source>
        <translation>已删除</translation>
    </message>
</context>
<context>
    <name>PersonsPresenter</name>
    <message>
        <location filename="../persons_view.py" line="+93"/>
        <source>Opening the persons list</source>
        <translation>正在打开人员列表</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>The station database is still opening</source>
        <translation>工作站数据库仍在打开</translation>
    </message>
    <message>
        <location line="+96"/>
        <source>no face found</source>
        <translation>未找到人脸</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>The photo %1 cannot be read: %2</source>
        <translation>无法读取照片 %1：%2</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>%1 saved on this station</source>
        <translation>%1 已保存在本工作站</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 saved; sending to %2 terminal(s)</source>
        <translation>%1 已保存；正在发送到 %2 台终端</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The selected persons are on no terminal</source>
        <translation>所选人员不在任何终端上</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>%1 removed from %2 terminal(s)</source>
        <translation>%1 已从 %2 台终端删除</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Undone: sending them to those terminals again</source>
        <translation>已撤销：正在重新发送到这些终端</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Sent again: %1 of %2 confirmed by the terminals</source>
        <translation>已重新发送：终端确认 %2 项中的 %1 项</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>%1 is being forgotten: removed from this station, and from %2 terminal(s)</source>
        <translation>正在彻底删除 %1：已从本工作站删除，并将从 %2 台终端删除</translation>
    </message>
    <message numerus="yes">
        <location line="+7"/>
        <source>%n person(s)</source>
        <translation>
            <numerusform>%n 人</numerusform>
        </translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Undoing</source>
        <translation>正在撤销</translation>
    </message>
</context>
<context>
    <name>PersonsView</name>
    <message>
        <location line="+98"/>
        <source>Search by name, ID, card or ID number (Ctrl+F)</source>
        <translation>按姓名、工号、卡号或身份证号搜索 (Ctrl+F)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>By name</source>
        <translation>按姓名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>By ID</source>
        <translation>按工号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Recently changed</source>
        <translation>最近修改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ending soonest</source>
        <translation>最先到期</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Visitors</source>
        <translation>访客</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Failed sync</source>
        <translation>同步失败</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Change validity, passes, card or photo (Ctrl+E)</source>
        <translation>修改有效期、通行次数、卡号或照片 (Ctrl+E)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Remove from terminals…</source>
        <translation>从终端删除…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove from all or some terminals (Del)</source>
        <translation>从全部或部分终端删除 (Del)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Forget…</source>
        <translation>彻底删除…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Remove from every terminal and this station, photo and face data included</source>
        <translation>从所有终端和本工作站删除，包括照片和人脸数据</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Send again</source>
        <translation>重新发送</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Deliver to their terminals now, failed deliveries included, and read back</source>
        <translation>立即发送到其终端（包括失败的发送）并回读确认</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read the list again (F5)</source>
        <translation>重新读取列表 (F5)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Compare with a terminal…</source>
        <translation>与终端对比…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What a terminal holds against what the station expects; fix or import</source>
        <translation>终端上的人员与工作站预期的对比；修复或导入</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add or update persons from a CSV or XLSX sheet</source>
        <translation>从 CSV 或 XLSX 表格添加或更新人员</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Offboard…</source>
        <translation>离职…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove a list of persons from every terminal</source>
        <translation>从所有终端删除一份名单中的人员</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>On any terminal</source>
        <translation>任意终端</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>On %1</source>
        <translation>在 %1 上</translation>
    </message>
    <message numerus="yes">
        <location line="+5"/>
        <source>%n person(s)</source>
        <translation>
            <numerusform>%n 人</numerusform>
        </translation>
    </message>
    <message>
        <location line="+65"/>
        <source>Sending again</source>
        <translation>正在重新发送</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>No terminals yet: add them on the Terminals page</source>
        <translation>尚无终端：请在“终端”页面添加</translation>
    </message>
</context>
<context>
    <name>PreviewPresenter</name>
    <message>
        <location filename="../preview_presenter.py" line="+268"/>
        <source>Loading face models…</source>
        <translation>正在加载人脸模型…</translation>
    </message>
    <message>
        <location line="+131"/>
        <source>Camera problem: {reason}. Retrying…</source>
        <translation>摄像头故障：{reason}。正在重试…</translation>
    </message>
    <message>
        <location line="+71"/>
        <source>Camera preview</source>
        <translation>摄像头预览</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The face models are not available: {reason}</source>
        <translation>人脸模型不可用：{reason}</translation>
    </message>
</context>
<context>
    <name>PreviewView</name>
    <message>
        <location filename="../preview_view.py" line="+121"/>
        <source>Hold still…</source>
        <translation>请保持不动…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ready: press Space to take the photo</source>
        <translation>准备就绪：按空格键拍照</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Camera off</source>
        <translation>摄像头已关闭</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Starting the camera…</source>
        <translation>正在启动摄像头…</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <location filename="../enroll_progress.py" line="+40"/>
        <source>Terminals</source>
        <translation>终端</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Retry failed terminals</source>
        <translation>重试失败的终端</translation>
    </message>
    <message>
        <location line="+77"/>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>checking the photo</source>
        <translation>正在检查照片</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>sending</source>
        <translation>正在发送</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>reading back</source>
        <translation>正在回读</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>done, verified</source>
        <translation>完成，已核验</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>FAILED</source>
        <translation>失败</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>On {done} of {total} terminals. The failed ones can be retried.</source>
        <translation>已下发到 {done}/{total} 台终端。失败的终端可以重试。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Enrolled on every chosen terminal, verified.</source>
        <translation>已登记到所有选定终端，并已核验。</translation>
    </message>
</context>
<context>
    <name>ReconcileDialog</name>
    <message>
        <location filename="../reconcile_view.py" line="+62"/>
        <source>Compare with a terminal</source>
        <translation>与终端对比</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Terminal</source>
        <translation>终端</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Person / field</source>
        <translation>人员 / 字段</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>On the station</source>
        <translation>工作站上</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>On the terminal</source>
        <translation>终端上</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>ID</source>
        <translation>工号</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Fix the terminal</source>
        <translation>修复终端</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Send the station&apos;s version of different and missing persons; remove persons only the terminal holds</source>
        <translation>发送工作站版本的不同及缺失人员；删除仅在终端上的人员</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Import persons only on the terminal</source>
        <translation>导入仅在终端上的人员</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Comparing with the terminal</source>
        <translation>正在与终端对比</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Fixing the terminal</source>
        <translation>正在修复终端</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Nothing was changed</source>
        <translation>未做任何更改</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 person(s) put right on the terminal</source>
        <translation>已在终端上修正 %1 人</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>This removes %1 of the %2 persons on %3 (%4 %). They will no longer get through that door. Are you sure?</source>
        <translation>这将删除 %3 上 %2 人中的 %1 人（%4 %）。他们将无法再通过该门。确定吗？</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Second confirmation. %1</source>
        <translation>第二次确认。%1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove many persons</source>
        <translation>删除大量人员</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Importing from the terminal</source>
        <translation>正在从终端导入</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 person(s) imported</source>
        <translation>已导入 %1 人</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(%1 skipped: no usable face in the photo)</source>
        <translation>（跳过 %1 人：照片中没有可用的人脸）</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Different</source>
        <translation>不同</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Only on the station</source>
        <translation>仅在工作站</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Only on the terminal</source>
        <translation>仅在终端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Same</source>
        <translation>相同</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Choose a terminal and compare.</source>
        <translation>请选择终端并对比。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The terminal holds exactly what the station expects.</source>
        <translation>终端上的人员与工作站预期完全一致。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The terminal holds %1 person(s); %2 need attention.</source>
        <translation>终端上有 %1 人；%2 人需要处理。</translation>
    </message>
</context>
<context>
    <name>RecordsModel</name>
    <message>
        <location filename="../records_model.py" line="+100"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ID</source>
        <translation>工号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Terminal</source>
        <translation>终端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>(unknown)</source>
        <translation>（未知）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>yes</source>
        <translation>有</translation>
    </message>
</context>
<context>
    <name>RecordsPresenter</name>
    <message>
        <location filename="../records_view.py" line="+71"/>
        <source>Opening the pass records</source>
        <translation>正在打开通行记录</translation>
    </message>
    <message>
        <location line="+62"/>
        <source>%1 record(s) written to %2</source>
        <translation>已将 %1 条记录写入 %2</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The station database is still opening</source>
        <translation>工作站数据库仍在打开</translation>
    </message>
</context>
<context>
    <name>RecordsView</name>
    <message>
        <location line="+58"/>
        <source>Last 24 hours</source>
        <translation>最近 24 小时</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last 30 days</source>
        <translation>最近 30 天</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All time</source>
        <translation>全部时间</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Person ID</source>
        <translation>工号</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read the records again (F5)</source>
        <translation>重新读取记录 (F5)</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Select a record to see the terminal&apos;s snapshot</source>
        <translation>选择一条记录以查看终端抓拍照片</translation>
    </message>
    <message>
        <location line="+62"/>
        <source>%1 new pass(es) — show</source>
        <translation>%1 条新通行记录 — 查看</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>All terminals</source>
        <translation>全部终端</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>The terminal sent no snapshot with this record</source>
        <translation>终端未随此记录发送抓拍照片</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Export pass records</source>
        <translation>导出通行记录</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
</context>
<context>
    <name>RemotePhotoDialog</name>
    <message>
        <location filename="../enroll_remote.py" line="+50"/>
        <source>Photo from a terminal</source>
        <translation>用终端拍照</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Please look at the camera</source>
        <translation>请看摄像头</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Thank you</source>
        <translation>谢谢</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Take photos</source>
        <translation>拍照</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Use this photo</source>
        <translation>使用这张照片</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Terminal</source>
        <translation>终端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Photos</source>
        <translation>照片数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Says before</source>
        <translation>拍照前提示语</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Says after</source>
        <translation>拍照后提示语</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>The terminal is taking photos…</source>
        <translation>终端正在拍照…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Taking photos on a terminal</source>
        <translation>正在用终端拍照</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>passes</source>
        <translation>合格</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>fails</source>
        <translation>不合格</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>score {score:.0f}, {verdict}</source>
        <translation>得分 {score:.0f}，{verdict}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{count} photo(s); the best is selected.</source>
        <translation>共 {count} 张照片；已选中最佳的一张。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>No photos: {problem}</source>
        <translation>未拍到照片：{problem}</translation>
    </message>
</context>
<context>
    <name>RemoveFromDialog</name>
    <message>
        <location filename="../person_edit_dialog.py" line="+156"/>
        <source>Remove from terminals</source>
        <translation>从终端删除</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Remove %1 from the checked terminals? They stay on this station and can be sent again later.</source>
        <translation>从勾选的终端删除 %1？此人仍保留在本工作站，之后可以重新发送。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>ResultPanel</name>
    <message>
        <location filename="../enroll_result.py" line="+98"/>
        <source>The terminals&apos; own check</source>
        <translation>终端自身的检测</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>It is a new person</source>
        <translation>这是新人员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel (Esc)</source>
        <translation>取消（Esc）</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>No face to crop</source>
        <translation>没有可裁剪的人脸</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>No usable face in the photo</source>
        <translation>照片中没有可用的人脸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Photo refused: {hint}</source>
        <translation>照片不合格：{hint}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Photo accepted</source>
        <translation>照片合格</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Nobody enrolled here looks like this person.</source>
        <translation>本站已登记人员中没有与此人相似的。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Already enrolled? This face looks like:</source>
        <translation>已经登记过？此人脸与以下人员相似：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Possibly already enrolled, please compare:</source>
        <translation>可能已登记，请比对：</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>New photo</source>
        <translation>新照片</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>A terminal already knows this face: is this person enrolled already?</source>
        <translation>终端上已有此人脸：此人是否已登记？</translation>
    </message>
</context>
<context>
    <name>ReturningPersonCard</name>
    <message>
        <location filename="../preview_view.py" line="-80"/>
        <source>Open record</source>
        <translation>打开档案</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Already enrolled: {name}, id {id}, {validity}</source>
        <translation>已登记：{name}，编号 {id}，{validity}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>(no name)</source>
        <translation>（未命名）</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>valid without end</source>
        <translation>长期有效</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>expired on {when}</source>
        <translation>已于 {when} 过期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>valid until {when}</source>
        <translation>有效期至 {when}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../settings_dialog.py" line="+34"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+11"/>
        <source>Same as the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A new language is used after a restart.</source>
        <translation>新语言将在重启后生效。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Theme:</source>
        <translation>主题：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Virtual camera (sample portraits)</source>
        <translation>虚拟摄像头（示例人像）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Image folder…</source>
        <translation>图片文件夹…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Video file…</source>
        <translation>视频文件…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Folder or file:</source>
        <translation>文件夹或文件：</translation>
    </message>
    <message>
        <location line="+8"/>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checks pass for:</source>
        <translation>检查持续通过：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Find cameras</source>
        <translation>查找摄像头</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Looking…</source>
        <translation>正在查找…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Camera {number}</source>
        <translation>摄像头 {number}</translation>
    </message>
    <message>
        <location line="-32"/>
        <source>Camera:</source>
        <translation>摄像头：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Take the photo as soon as every check passes</source>
        <translation>所有检查通过后立即拍照</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Auto capture:</source>
        <translation>自动拍照：</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>{camera} (not found)</source>
        <translation>{camera}（未找到）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Choose the virtual camera&apos;s pictures</source>
        <translation>选择虚拟摄像头的画面</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Videos (*.mp4 *.avi *.mkv *.mov)</source>
        <translation>视频 (*.mp4 *.avi *.mkv *.mov)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{count} found</source>
        <translation>找到 {count} 个</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Terminals</source>
        <translation>终端</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Receiver port:</source>
        <translation>接收端口：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Every network of this PC</source>
        <translation>本机的所有网络</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This PC only (demo terminals)</source>
        <translation>仅本机（演示终端）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Accept uploads from:</source>
        <translation>接收上传的来源：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Terminals send heartbeats and pass records to this port.</source>
        <translation>终端将心跳和通行记录发送到此端口。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Visitors</source>
        <translation>访客</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Visitor passes end at:</source>
        <translation>访客通行截止于：</translation>
    </message>
</context>
<context>
    <name>ShellPresenter</name>
    <message>
        <location filename="../shell_presenter.py" line="+92"/>
        <source>No terminal is known yet. Connect a terminal to this network, or start the demo: three simulated terminals on this computer show the whole station working.</source>
        <translation>尚未发现任何终端。请将终端接入本网络，或开始演示：本机上的三台模拟终端将展示工作站的完整功能。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Start demo</source>
        <translation>开始演示</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Starting demo terminals</source>
        <translation>正在启动演示终端</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Stopping demo terminals</source>
        <translation>正在停止演示终端</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Demo mode: {count} simulated terminals ({addresses}).</source>
        <translation>演示模式：{count} 台模拟终端（{addresses}）。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Stop demo</source>
        <translation>停止演示</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The demo terminals could not start: {reason}</source>
        <translation>演示终端无法启动：{reason}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>The new language is used after a restart.</source>
        <translation>新语言将在重启后生效。</translation>
    </message>
</context>
<context>
    <name>SiteKeyPage</name>
    <message>
        <location filename="../first_run.py" line="+33"/>
        <source>Site key</source>
        <translation>站点密钥</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Terminals only obey a station that knows their key. If your site set one key on every terminal, enter it here; leave it blank for the factory key.</source>
        <translation>终端只接受知道其密钥的登记站的指令。如果贵单位为所有终端设置了同一个密钥，请在此输入；留空则使用出厂密钥。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Site key:</source>
        <translation>站点密钥：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the key</source>
        <translation>显示密钥</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The key is kept in this PC&apos;s keyring, never in a file or a log.</source>
        <translation>密钥保存在本电脑的钥匙串中，绝不写入文件或日志。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>A key is 1 to 20 characters without spaces.</source>
        <translation>密钥为 1 到 20 个字符，不能包含空格。</translation>
    </message>
</context>
<context>
    <name>StationSettings</name>
    <message>
        <location filename="../settings.py" line="+153"/>
        <source>The settings could not be saved to {path}.</source>
        <translation>无法将设置保存到 {path}。</translation>
    </message>
</context>
<context>
    <name>StationStatusBar</name>
    <message>
        <location filename="../status_bar.py" line="+57"/>
        <source>No terminals yet</source>
        <translation>暂无终端</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{online} online · {offline} offline</source>
        <translation>{online} 台在线 · {offline} 台离线</translation>
    </message>
</context>
<context>
    <name>TerminalChecksView</name>
    <message>
        <location filename="../enroll_result.py" line="-191"/>
        <source>asking…</source>
        <translation>正在询问…</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>not asked: {why}</source>
        <translation>未能询问：{why}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>wrong size</source>
        <translation>尺寸不对</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not a JPEG</source>
        <translation>不是 JPEG</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>finds no face</source>
        <translation>检测不到人脸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cannot read the face features</source>
        <translation>无法提取人脸特征</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>refuses the photo: {reason}</source>
        <translation>拒绝此照片：{reason}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>photo usable; this face is ALREADY on the terminal</source>
        <translation>照片可用；终端上已存在此人脸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>photo usable; face not on the terminal yet</source>
        <translation>照片可用；终端上尚无此人脸</translation>
    </message>
</context>
<context>
    <name>TerminalsModel</name>
    <message>
        <location filename="../terminals_view.py" line="+83"/>
        <source>Not checked yet</source>
        <translation>尚未检查</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Factory key (abc): set a site key</source>
        <translation>出厂密钥（abc）：请设置站点密钥</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>OK</source>
        <translation>正常</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New key not confirmed</source>
        <translation>新密钥未确认</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Key rejected</source>
        <translation>密钥被拒绝</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Serial</source>
        <translation>序列号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Key</source>
        <translation>密钥</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Persons</source>
        <translation>人数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>App version</source>
        <translation>应用版本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Clock offset</source>
        <translation>时钟偏差</translation>
    </message>
    <message>
        <location line="+62"/>
        <source>(no name)</source>
        <translation>（未命名）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Factory key (abc)</source>
        <translation>出厂密钥（abc）</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>No heartbeat received yet</source>
        <translation>尚未收到心跳</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Last heartbeat %1 s ago</source>
        <translation>上次心跳在 %1 秒前</translation>
    </message>
</context>
<context>
    <name>TerminalsPresenter</name>
    <message>
        <location line="+119"/>
        <source>Heartbeats cannot be received: %1</source>
        <translation>无法接收心跳：%1</translation>
    </message>
    <message>
        <location line="-56"/>
        <source>Opening the key store</source>
        <translation>正在打开密钥存储</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Receiving heartbeats and pass records from this PC only, on port %1</source>
        <translation>正在端口 %1 接收心跳和通行记录（仅限本机）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Receiving heartbeats and pass records on port %1</source>
        <translation>正在端口 %1 接收心跳和通行记录</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Port %1 is used by another program, so terminals cannot send heartbeats or pass records to this station. Choose another receiver port in Settings.</source>
        <translation>端口 %1 已被其他程序占用，终端无法向本工作站发送心跳和通行记录。请在“设置”中选择其他接收端口。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Reading a new terminal</source>
        <translation>正在读取新终端</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Restarting the heartbeat receiver</source>
        <translation>正在重启心跳接收</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Looking for terminals</source>
        <translation>正在查找终端</translation>
    </message>
    <message numerus="yes">
        <location line="+6"/>
        <source>Found %n terminal(s)</source>
        <translation>
            <numerusform>找到 %n 台终端</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>(%n with a key this station does not hold: add them with their key)</source>
        <translation>
            <numerusform>（其中 %n 台使用本工作站没有的密钥：请输入其密钥后添加）</numerusform>
        </translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Adding %1</source>
        <translation>正在添加 %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The terminal at %1 rejected every key this station holds; add it with its key</source>
        <translation>%1 处的终端拒绝了本工作站的所有密钥；请输入其密钥后添加</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Added %1 (%2)</source>
        <translation>已添加 %1（%2）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Adding the demo terminals</source>
        <translation>正在添加演示终端</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Demo terminals added: %1</source>
        <translation>已添加演示终端：%1 台</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Reading the terminals</source>
        <translation>正在读取终端</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Setting the clock</source>
        <translation>正在校时</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Clock of %1 set: it was %2 off, now %3</source>
        <translation>%1 已校时：原偏差 %2，现在 %3</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Configuring heartbeats</source>
        <translation>正在配置心跳</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The heartbeat receiver is not running (see the settings for its port)</source>
        <translation>心跳接收未运行（请在设置中查看其端口）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>%1 now sends heartbeats and pass records to this station</source>
        <translation>%1 现在会将心跳和通行记录发送到本工作站</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>The key was not changed everywhere. %1</source>
        <translation>密钥未在所有终端上更改。%1</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>Key changed on %n terminal(s)</source>
        <translation>
            <numerusform>已在 %n 台终端上更改密钥</numerusform>
        </translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Door of %1 opened</source>
        <translation>%1 的门已打开</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Opening the door</source>
        <translation>正在开门</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 is restarting</source>
        <translation>%1 正在重启</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Restarting</source>
        <translation>正在重启</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 is downloading the new app</source>
        <translation>%1 正在下载新应用</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Updating the app</source>
        <translation>正在更新应用</translation>
    </message>
</context>
<context>
    <name>TerminalsView</name>
    <message>
        <location line="+98"/>
        <source>Subnets to scan, e.g. 192.168.1.0/24 (blank: this PC&apos;s networks)</source>
        <translation>要扫描的子网，例如 192.168.1.0/24（留空：本机所在网络）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>port </source>
        <translation>端口 </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The terminals&apos; port (8088 unless changed)</source>
        <translation>终端的端口（默认 8088）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Find terminals</source>
        <translation>查找终端</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Add by address…</source>
        <translation>按地址添加…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>No secure key store on this PC: terminal keys are used only until the station closes, and keys cannot be changed. To keep keys safely, install and unlock a system keyring (GNOME Keyring or KDE Wallet), then restart the station.</source>
        <translation>本机没有安全的密钥存储：终端密钥仅在本次运行期间有效，且无法更改密钥。如需安全保存密钥，请安装并解锁系统密钥环（GNOME 密钥环或 KDE 钱包），然后重新启动工作站。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Some terminals still use the factory key “abc”, which anyone on the network can use. Set a key of your own for this site.</source>
        <translation>部分终端仍在使用出厂密钥“abc”，网络上的任何人都能使用它。请为本现场设置自己的密钥。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Set a site key…</source>
        <translation>设置现场密钥…</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Set clock</source>
        <translation>校时</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Send heartbeats here</source>
        <translation>将心跳发到本机</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Point the terminal&apos;s heartbeats and pass records at this station</source>
        <translation>让终端把心跳和通行记录发送到本工作站</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Change key…</source>
        <translation>更改密钥…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>More</source>
        <translation>更多</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Open the door…</source>
        <translation>开门…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Restart…</source>
        <translation>重启…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Update the app…</source>
        <translation>更新应用…</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Select one terminal first</source>
        <translation>请先选择一台终端</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Settings saved on the terminal</source>
        <translation>设置已保存到终端</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+2"/>
        <source>Open the door</source>
        <translation>开门</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>Open the door of %1 now? It opens for real.</source>
        <translation>现在打开 %1 的门吗？门会真的打开。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Restart the terminal</source>
        <translation>重启终端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Restart %1? Nobody can pass for about a minute.</source>
        <translation>重启 %1 吗？大约一分钟内无人能通行。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Restart</source>
        <translation>重启</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Needs a secure key store on this PC (see above)</source>
        <translation>需要本机具备安全的密钥存储（见上方说明）</translation>
    </message>
</context>
<context>
    <name>UpdateAppDialog</name>
    <message>
        <location filename="../terminal_dialogs.py" line="+111"/>
        <source>Update the app of %1</source>
        <translation>更新 %1 的应用</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The terminal downloads the file itself, so the address must be reachable from it.</source>
        <translation>终端会自行下载该文件，因此该地址必须能从终端访问。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Address of the APK</source>
        <translation>APK 的地址</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The address must look like http://host:port/file.apk</source>
        <translation>地址格式应为 http://host:port/file.apk</translation>
    </message>
</context>
<context>
    <name>_BusyIndicator</name>
    <message>
        <location filename="../status_bar.py" line="+31"/>
        <source> (+{count} more)</source>
        <translation>（另有 {count} 项）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Working</source>
        <translation>处理中</translation>
    </message>
</context>
<context>
    <name>_FormDialog</name>
    <message>
        <location filename="../terminal_dialogs.py" line="-310"/>
        <source>OK</source>
        <translation>确定</translation>
    </message>
</context>
<context>
    <name>dialog</name>
    <message>
        <location line="+343"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
</TS>
